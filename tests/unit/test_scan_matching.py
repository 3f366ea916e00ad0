"""A handheld's scan against the stops of its pick list (``picking.rules.match_stop``, ``check_quantity``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wms.errors import Conflict, DomainError, InvalidInput, NotFound
from wms.picking.rules import ScanView, StopView, check_quantity, match_stop

LOC = {1: "A-01-01", 2: "A-01-02", 3: "B-02-01"}
SKU = {10: "TEA", 11: "MILK"}


def stop(id: int, seq: int, loc: int, item: int, lot: str = "L1", status: str = "open", qty: int = 3) -> StopView:
    return StopView(id, seq, status, loc, LOC[loc], item, SKU[item], lot, qty)


def scan(loc: int | None, item: int | None, lot: str | None = None, stop_id: int | None = None) -> ScanView:
    return ScanView(
        LOC.get(loc, "Z-99") if loc else "Z-99", SKU.get(item, "NOPE") if item else "NOPE", lot, stop_id, loc, item
    )


LIST = [
    stop(100, 1, 1, 10, "L1", status="picked"),
    stop(101, 2, 2, 10, "L1"),
    stop(102, 3, 2, 10, "L2"),
    stop(103, 4, 2, 11, "M1"),
    stop(104, 5, 3, 11, "M1"),
]


def refused(stops: list[StopView], s: ScanView) -> DomainError:
    with pytest.raises(DomainError) as e:
        match_stop(stops, s, pick_list_id=7)
    return e.value


def test_the_first_open_stop_of_the_item_at_the_location() -> None:
    assert match_stop(LIST, scan(2, 10), pick_list_id=7).id == 101
    assert match_stop(LIST, scan(2, 11), pick_list_id=7).id == 103
    assert match_stop(list(reversed(LIST)), scan(2, 10), pick_list_id=7).id == 101  # by seq, not as given


def test_the_stop_of_the_scanned_lot_is_preferred() -> None:
    assert match_stop(LIST, scan(2, 10, lot="L2"), pick_list_id=7).id == 102
    assert match_stop(LIST, scan(2, 10, lot="L9"), pick_list_id=7).id == 101  # no such lot here: the first


def test_a_pinned_stop() -> None:
    assert match_stop(LIST, scan(2, 10, stop_id=102), pick_list_id=7).id == 102
    e = refused(LIST, scan(2, 10, stop_id=999))
    assert isinstance(e, NotFound) and e.code == "stop_not_found" and e.message == "stop 999 is not on pick list 7"
    e = refused(LIST, scan(1, 10, stop_id=100))
    assert isinstance(e, Conflict) and e.code == "stop_already_confirmed"
    assert e.message == "Stop 1 is already confirmed; nothing was picked again."
    e = refused(LIST, scan(3, 11, stop_id=101))  # pinned elsewhere: go to the pinned stop
    assert e.code == "wrong_location" and e.details == {"scanned": "B-02-01", "expected": "A-01-02"}
    e = refused(LIST, scan(2, 11, stop_id=101))
    assert e.code == "wrong_item" and e.details == {"scanned": "MILK", "expected": "TEA"}


def test_a_confirmed_stop_scanned_again() -> None:
    e = refused(LIST, scan(1, 10))
    assert isinstance(e, Conflict) and e.code == "stop_already_confirmed"
    assert e.message == "TEA at A-01-01 is already confirmed; nothing was picked again."


def test_wrong_location_says_where_to_go() -> None:
    e = refused(LIST, scan(None, 10))
    assert isinstance(e, Conflict) and e.code == "wrong_location"
    assert e.message == "Wrong location: you scanned Z-99. Go to A-01-02."
    assert e.details == {"scanned": "Z-99", "expected": "A-01-02"}
    done = [stop(100, 1, 1, 10, status="picked"), stop(101, 2, 2, 11, status="short")]
    e = refused(done, scan(3, 10))
    assert e.code == "wrong_location" and e.message == "Wrong location: you scanned B-02-01. Go to the packing station."


def test_wrong_item_names_the_item_to_pick() -> None:
    e = refused(LIST, scan(3, 10))
    assert isinstance(e, Conflict) and e.message == "Wrong item: TEA is not to be picked at B-02-01. Pick MILK."
    assert e.details == {"scanned": "TEA", "expected": "MILK"}
    e = refused(LIST, scan(2, None))
    assert e.code == "wrong_item" and e.details == {"scanned": "NOPE", "expected": "TEA"}


def test_quantity_checks() -> None:
    check_quantity(3, 3, None)
    check_quantity(3, 1, "damaged")
    check_quantity(3, 0, "not_found")
    with pytest.raises(Conflict) as over:
        check_quantity(3, 5, None)
    assert (
        over.value.code == "over_pick"
        and over.value.message == "Too many: this stop needs 3, you scanned 5. Put 2 back."
    )
    with pytest.raises(InvalidInput) as short:
        check_quantity(3, 2, None)
    assert short.value.code == "short_reason_required"
    assert short.value.message == "Short pick: 2 of 3. Say why (not_found, damaged, expired)."


# --- properties ----------------------------------------------------------------------------------------------


@st.composite
def pick_lists(draw: st.DrawFn) -> list[StopView]:
    n = draw(st.integers(0, 8))
    seqs = draw(st.lists(st.integers(1, 50), min_size=n, max_size=n, unique=True))
    return [
        StopView(
            id=500 + k,
            seq=seq,
            status=draw(st.sampled_from(["open", "open", "picked", "short"])),
            location_id=(loc := draw(st.sampled_from(sorted(LOC)))),
            location=LOC[loc],
            item_id=(item := draw(st.sampled_from(sorted(SKU)))),
            sku=SKU[item],
            lot=draw(st.sampled_from(["L1", "L2", "L3"])),
            quantity=draw(st.integers(1, 5)),
        )
        for k, seq in enumerate(seqs)
    ]


scans = st.builds(
    scan,
    st.sampled_from([None, 1, 2, 3]),
    st.sampled_from([None, 10, 11]),
    st.sampled_from([None, "L1", "L2", "L3"]),
    st.sampled_from([None, None, 500, 501, 502, 999]),
)


@settings(max_examples=100, deadline=None)
@given(pick_lists(), scans)
def test_the_stop_matched_is_open_here_of_this_item_and_of_the_lot_if_one_is(
    stops: list[StopView], s: ScanView
) -> None:
    try:
        got = match_stop(stops, s, pick_list_id=7)
    except DomainError as e:
        assert e.code in ("stop_not_found", "stop_already_confirmed", "wrong_location", "wrong_item")
        fits = [
            st_
            for st_ in stops
            if st_.status == "open"
            and st_.location_id == s.location_id
            and st_.item_id == s.item_id
            and (s.stop_id is None or st_.id == s.stop_id)
        ]
        assert not fits  # refused only when no open stop fits the scan
        return
    assert got in stops
    assert got.status == "open" and got.location_id == s.location_id and got.item_id == s.item_id
    if s.stop_id is not None:
        assert got.id == s.stop_id
        return
    fits = sorted(
        (
            st_
            for st_ in stops
            if st_.status == "open" and st_.location_id == s.location_id and st_.item_id == s.item_id
        ),
        key=lambda st_: st_.seq,
    )
    exact = [st_ for st_ in fits if st_.lot == s.lot]
    assert got == (exact[0] if exact else fits[0])  # the exact lot first, else the first by seq
