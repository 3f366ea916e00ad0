"""FEFO choices against a reference on random stock."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from wms.batches.fefo import Candidate, allocate, fefo_order, is_usable, usable_quantity

TODAY = date(2026, 11, 26)


def test_expired_and_short_dated_lots_are_never_usable() -> None:
    ship = TODAY + timedelta(days=2)
    assert not is_usable(TODAY - timedelta(days=1), today=TODAY, ship_date=ship, min_shelf_life_days=0)
    assert not is_usable(ship + timedelta(days=9), today=TODAY, ship_date=ship, min_shelf_life_days=10)
    assert is_usable(ship + timedelta(days=10), today=TODAY, ship_date=ship, min_shelf_life_days=10)
    assert is_usable(None, today=TODAY, ship_date=ship, min_shelf_life_days=365)


def test_earliest_expiry_first_undated_last_and_fewest_locations() -> None:
    stock = [
        Candidate(1, None, 50),
        Candidate(2, date(2027, 3, 1), 4),
        Candidate(3, date(2027, 1, 1), 2),
        Candidate(4, date(2027, 3, 1), 9),
        Candidate(5, date(2026, 12, 1), 5),
    ]
    got = allocate(stock, 12, today=TODAY, ship_date=TODAY, min_shelf_life_days=3)
    assert got == [(5, 5), (3, 2), (4, 5)]  # 5 of the 9 in one place rather than 4 + 1 in two
    short_dated = allocate(stock, 12, today=TODAY, ship_date=TODAY, min_shelf_life_days=10)
    assert short_dated == [(3, 2), (4, 9), (2, 1)]  # lot 5 has only 5 days left
    assert allocate(stock, 100, today=TODAY, ship_date=TODAY, min_shelf_life_days=0)[-1] == (1, 50)


candidates = st.lists(
    st.builds(
        lambda i, d, q: (i, d, q),
        st.integers(0, 10**6),
        st.one_of(st.none(), st.integers(-5, 40).map(lambda n: TODAY + timedelta(days=n))),
        st.integers(0, 9),
    ),
    max_size=8,
    unique_by=lambda t: t[0],
).map(lambda rows: [Candidate(i, d, q) for i, d, q in rows])


@settings(max_examples=400, deadline=None)
@given(candidates, st.integers(1, 60), st.integers(0, 5), st.integers(0, 20))
def test_allocation_matches_the_reference(stock: list[Candidate], qty: int, ship_in: int, shelf: int) -> None:
    ship = TODAY + timedelta(days=ship_in)
    usable = [
        c
        for c in stock
        if c.available > 0
        and (c.expiry_date is None or (c.expiry_date >= TODAY and (c.expiry_date - ship).days >= shelf))
    ]
    got = allocate(stock, qty, today=TODAY, ship_date=ship, min_shelf_life_days=shelf)
    by_id = {c.stock_id: c for c in stock}
    assert all(by_id[i] in usable and 0 < q <= by_id[i].available for i, q in got)
    assert sum(q for _, q in got) == min(qty, sum(c.available for c in usable))
    # FEFO: nothing left behind expires before something taken (undated = latest)
    key = lambda c: (c.expiry_date is None, c.expiry_date or date.max)  # noqa: E731
    taken = {i for i, _ in got}
    left = [c for c in usable if c.stock_id not in taken or dict(got)[c.stock_id] < c.available]
    if got and left:
        assert max(key(by_id[i]) for i in taken) <= min(key(c) for c in left)
    # fewest locations: the reference picks the smallest subset of the last expiry group that covers the rest
    assert len(got) == _reference_location_count(usable, qty, key)


def _reference_location_count(usable: list[Candidate], qty: int, key) -> int:  # type: ignore[no-untyped-def]
    count = 0
    for _, group in itertools.groupby(sorted(usable, key=key), key=key):
        group = list(group)
        total = sum(c.available for c in group)
        if qty >= total:
            count, qty = count + len(group), qty - total
            continue
        if qty > 0:
            count += min(
                r
                for r in range(1, len(group) + 1)
                if any(sum(c.available for c in s) >= qty for s in itertools.combinations(group, r))
            )
        break
    return count


# --- properties, each against the obvious reference --------------------------------------------------------

shelf_lives = st.integers(0, 20)
ship_days = st.integers(0, 5).map(lambda n: TODAY + timedelta(days=n))


def usable_by_hand(c: Candidate, ship: date, shelf: int) -> bool:
    """Not expired today, and at least ``shelf`` days left on the ship date; undated lots never expire."""
    if c.expiry_date is None:
        return True
    return c.expiry_date >= TODAY and (c.expiry_date - ship).days >= shelf


@settings(max_examples=100, deadline=None)
@given(candidates, st.integers(0, 60), ship_days, shelf_lives)
def test_never_an_expired_or_too_short_lived_lot(stock: list[Candidate], qty: int, ship: date, shelf: int) -> None:
    by_id = {c.stock_id: c for c in stock}
    got = allocate(stock, qty, today=TODAY, ship_date=ship, min_shelf_life_days=shelf)
    assert all(usable_by_hand(by_id[i], ship, shelf) for i, _ in got)
    for c in stock:
        assert is_usable(c.expiry_date, today=TODAY, ship_date=ship, min_shelf_life_days=shelf) == usable_by_hand(
            c, ship, shelf
        )


@settings(max_examples=100, deadline=None)
@given(candidates, st.integers(0, 60), ship_days, shelf_lives)
def test_takes_the_need_or_all_that_is_usable_and_never_more_than_a_lot_has(
    stock: list[Candidate], qty: int, ship: date, shelf: int
) -> None:
    usable = sum(c.available for c in stock if c.available > 0 and usable_by_hand(c, ship, shelf))
    got = allocate(stock, qty, today=TODAY, ship_date=ship, min_shelf_life_days=shelf)
    by_id = {c.stock_id: c for c in stock}
    assert sum(q for _, q in got) == min(qty, usable)
    assert usable_quantity(stock, today=TODAY, ship_date=ship, min_shelf_life_days=shelf) == usable
    assert len({i for i, _ in got}) == len(got)  # each candidate once
    assert all(0 < q <= by_id[i].available for i, q in got)
    # every candidate taken but the last is emptied: no location is left half-picked for a later one
    assert all(q == by_id[i].available for i, q in got[:-1])


@settings(max_examples=100, deadline=None)
@given(candidates, st.integers(1, 60), ship_days, shelf_lives)
def test_earliest_expiry_first_undated_last(stock: list[Candidate], qty: int, ship: date, shelf: int) -> None:
    def expiry(c: Candidate) -> tuple[bool, date]:
        return (c.expiry_date is None, c.expiry_date or date.max)

    by_id = {c.stock_id: c for c in stock}
    got = allocate(stock, qty, today=TODAY, ship_date=ship, min_shelf_life_days=shelf)
    taken = [expiry(by_id[i]) for i, _ in got]
    assert taken == sorted(taken)  # in FEFO order
    assert [by_id[i] for i, _ in got] == [c for c in fefo_order(by_id[i] for i, _ in got)]
    untouched = [c for c in stock if c.stock_id not in dict(got) and c.available > 0 and usable_by_hand(c, ship, shelf)]
    if got and untouched:  # what was left behind expires no earlier than the last lot taken
        assert taken[-1] <= min(expiry(c) for c in untouched)


@given(candidates)
def test_fefo_order_is_a_permutation_sorted_by_expiry_then_size(stock: list[Candidate]) -> None:
    ordered = fefo_order(stock)
    assert sorted(ordered, key=lambda c: c.stock_id) == sorted(stock, key=lambda c: c.stock_id)
    keys = [(c.expiry_date is None, c.expiry_date or date.max, -c.available, c.stock_id) for c in ordered]
    assert keys == sorted(keys)
