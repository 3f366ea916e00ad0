"""Rules of the picking floor over plain data (pure: no database).

``match_stop`` and ``check_quantity`` judge a handheld's scan against the stops of
its pick list, with the messages a picker reads; ``shortfall_stops`` finds the
units of a short pick in other locations. ``confirm`` and ``short_picks`` load
the stops and the stock, ask these, and write what they decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from wms.batches.fefo import Candidate
from wms.batches.fefo import allocate as fefo_allocate
from wms.errors import Conflict, InvalidInput, NotFound

PACKING_STATION = "the packing station"  # where a picker goes once every stop is confirmed


@dataclass(frozen=True)
class StopView:
    """A stop of a pick list as a scan is matched against it."""

    id: int
    seq: int
    status: str  # open, picked, short
    location_id: int
    location: str  # its code
    item_id: int
    sku: str
    lot: str  # the code of the lot the stop picks
    quantity: int


@dataclass(frozen=True)
class ScanView:
    """What a handheld scanned, with the location and item the scanned codes name (None: no such one)."""

    location: str
    sku: str  # a SKU or a barcode, as scanned
    lot: str | None
    stop_id: int | None  # pins the stop when one location serves several
    location_id: int | None
    item_id: int | None


def match_stop(stops: Sequence[StopView], scan: ScanView, *, pick_list_id: int) -> StopView:
    """The open stop the scan confirms: the first (by ``seq``) open stop at the scanned location of the scanned
    item, the one of the scanned lot if there is one, or the pinned stop; else the error that tells the
    picker what is wrong (stop_not_found, stop_already_confirmed, wrong_location, wrong_item)."""
    stops = sorted(stops, key=lambda st: st.seq)
    if scan.stop_id is not None:
        pinned = [st for st in stops if st.id == scan.stop_id]
        if not pinned:
            raise NotFound(f"stop {scan.stop_id} is not on pick list {pick_list_id}", code="stop_not_found")
        if pinned[0].status != "open":
            raise Conflict(
                f"Stop {pinned[0].seq} is already confirmed; nothing was picked again.", code="stop_already_confirmed"
            )
        candidates = pinned
    else:
        candidates = [st for st in stops if st.status == "open"]
    here = [st for st in candidates if st.location_id == scan.location_id]
    if not here:
        if any(
            st.location_id == scan.location_id and st.item_id == scan.item_id for st in stops if st.status != "open"
        ):
            raise Conflict(
                f"{scan.sku} at {scan.location} is already confirmed; nothing was picked again.",
                code="stop_already_confirmed",
            )
        go_to = candidates[0].location if candidates else PACKING_STATION
        raise Conflict(
            f"Wrong location: you scanned {scan.location}. Go to {go_to}.",
            code="wrong_location",
            details={"scanned": scan.location, "expected": go_to},
        )
    same_item = [st for st in here if st.item_id == scan.item_id]
    if not same_item:
        expected = here[0].sku
        raise Conflict(
            f"Wrong item: {scan.sku} is not to be picked at {scan.location}. Pick {expected}.",
            code="wrong_item",
            details={"scanned": scan.sku, "expected": expected},
        )
    if scan.lot is not None:
        exact = [st for st in same_item if st.lot == scan.lot]
        if exact:
            return exact[0]
    return same_item[0]


def check_quantity(wanted: int, quantity: int, reason: str | None) -> None:
    """A stop takes at most what it wants; fewer units is a short pick, which needs a reason."""
    if quantity > wanted:
        raise Conflict(
            f"Too many: this stop needs {wanted}, you scanned {quantity}. Put {quantity - wanted} back.",
            code="over_pick",
        )
    if quantity < wanted and reason is None:
        raise InvalidInput(
            f"Short pick: {quantity} of {wanted}. Say why (not_found, damaged, expired).",
            code="short_reason_required",
        )


@dataclass(frozen=True)
class Elsewhere:
    """Stock of the short-picked item in another storage location: a FEFO candidate, where it lies."""

    stock_id: int
    expiry_date: date | None
    available: int
    aisle: int | None
    y_m: float


@dataclass(frozen=True)
class NewStop:
    stock_id: int
    quantity: int


@dataclass(frozen=True)
class Shortfall:
    stops: tuple[NewStop, ...]  # in walking order: aisle, then position along it, then stock id
    unfilled: int  # what no other location can give: backordered


def shortfall_stops(
    missing: int, elsewhere: Sequence[Elsewhere], *, today: date, ship_date: date, min_shelf_life_days: int
) -> Shortfall:
    """Where the ``missing`` units of a short pick are found again: FEFO over the stock ``elsewhere`` that the
    order may have (not expired, enough shelf life left on its ship date), as new stops in walking order,
    and what is left unfilled."""
    picks = fefo_allocate(
        [Candidate(c.stock_id, c.expiry_date, c.available) for c in elsewhere],
        missing,
        today=today,
        ship_date=ship_date,
        min_shelf_life_days=min_shelf_life_days,
    )
    where = {c.stock_id: c for c in elsewhere}
    walk = sorted(picks, key=lambda p: (where[p[0]].aisle or 0, where[p[0]].y_m, p[0]))
    return Shortfall(tuple(NewStop(sid, qty) for sid, qty in walk), missing - sum(qty for _, qty in picks))
