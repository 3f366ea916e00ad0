"""A picker confirms a stop with what was scanned: location, item, lot and quantity.

The scan is checked against the open stops of the pick list, with messages a
picker understands. Another lot of the same item at the same location is
accepted when FEFO allows it for the order (not expired, enough shelf life
left) and the reservation moves to it. Picked units go to the pick list's
cart in the ledger, still reserved for their shipment; a quantity below the
stop's is a short pick (``short_picks``). A stop is confirmed once: a repeated
scan is refused, and a retried request with its ``Idempotency-Key`` gets the
first answer again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.allocation import allocations, shipments
from wms.batches.fefo import is_usable
from wms.batches.lots import find_lot, lot_codes
from wms.db import UnitOfWork
from wms.errors import Conflict
from wms.inventory.replenishment import replenish_if_low
from wms.inventory.repository import item_id_by_scan, location_codes, location_id_by_code, min_shelf_life_days, skus
from wms.inventory.stock import Place, free_at, held_id, lock_stock, reserve, unreserve
from wms.orders.queries import promised_ship_date
from wms.orders.services import get_order
from wms.orm import utcnow
from wms.picking.commands import Confirm, ShortPick
from wms.picking.handheld import check_holder, locked
from wms.picking.orm import PickList, PickListStop
from wms.picking.pick_list_views import pick_list_detail
from wms.picking.plain_picks import NotPlain, pick_plain
from wms.picking.reroute import reroute_from
from wms.picking.rules import ScanView, StopView, check_quantity, match_stop
from wms.picking.short_picks import elsewhere, handle_shortfall, shortfall_places


def confirm(
    pick_list_id: int, cmd: Confirm | ShortPick, uow: UnitOfWork, actor: str, *, supervisor: bool = False
) -> dict[str, Any]:
    """Confirm one stop; the answer is the pick list as the handheld now sees it. A plain pick (the stop's
    lot, all its units) takes the short path of ``plain_picks``; anything else, the general one below."""
    if isinstance(cmd, Confirm):
        try:
            return uow.run(lambda u: pick_plain(u.session, pick_list_id, cmd, actor, supervisor=supervisor))
        except NotPlain:
            pass  # rolled back: nothing was changed

    def work(uow: UnitOfWork) -> dict[str, Any]:
        s = uow.session
        _lock_order_if_short(s, pick_list_id, cmd)
        pl = locked(s, pick_list_id)
        check_holder(pl, actor, supervisor=supervisor)
        if pl.status not in ("claimed", "picked"):
            raise Conflict(f"pick list {pl.id} is {pl.status}: every stop is confirmed", code="pick_list_done")
        stop = _match(s, pl, cmd)  # a picked list has no open stop: a repeated scan is told so
        quantity = cmd.quantity if isinstance(cmd, Confirm) else 0
        check_quantity(stop.quantity, quantity, cmd.reason)
        lot_id = _scanned_lot(s, stop, cmd) if isinstance(cmd, Confirm) else stop.lot_id
        _lock_stock(s, pl, stop, lot_id, quantity, cmd.reason)
        added = _pick(s, pl, stop, lot_id, quantity, cmd.reason, actor)
        replenish_if_low(s, stop.location_id, stop.item_id)
        stop.status = "picked" if quantity == stop.quantity else "short"
        stop.picked_quantity, stop.short_reason = quantity, (cmd.reason if quantity < stop.quantity else None)
        stop.confirmed_at, stop.confirmed_by = utcnow(), actor
        s.flush()
        if added:
            reroute_from(s, pl, stop)
        if (
            s.scalar(
                select(PickListStop.id)
                .where(PickListStop.pick_list_id == pl.id, PickListStop.status == "open")
                .limit(1)
            )
            is None
        ):
            pl.status = "picked"
        s.flush()
        body = pick_list_detail(s, pl.id)
        body["confirmed_stop_id"] = stop.id
        body["added_stop_ids"] = [st.id for st in added]
        return body

    return uow.run(work)


def _pick(
    s: Session, pl: PickList, stop: PickListStop, lot_id: int, quantity: int, reason: str | None, actor: str
) -> list[PickListStop]:
    """Move ``quantity`` of the stop (from lot ``lot_id``) onto the cart; deal with what is missing."""
    if stop.allocation_id is None:
        raise Conflict(f"stop {stop.id} holds no reservation", code="stop_without_reservation")
    alloc = allocations.split(s, stop.allocation_id, stop.quantity)
    stop.allocation_id = alloc.id
    line_id, expected_lot = alloc.shipment_line_id, stop.lot_id
    missing = stop.quantity - quantity
    if lot_id != expected_lot:
        unreserve(s, [(alloc.stock_id, stop.quantity)])
        stock_id = held_id(s, Place(stop.location_id, lot_id, stop.item_id, pl.warehouse_id))
        allocations.point_at(s, alloc.id, stock_id)
        reserve(s, [(stock_id, quantity)])
        stop.lot_id = lot_id
    elif missing:
        unreserve(s, [(alloc.stock_id, missing)])
    if quantity:
        allocations.move(
            s,
            alloc.id,
            quantity,
            warehouse_id=pl.warehouse_id,
            to_location_id=_cart(pl),
            kind="pick",
            reason="pick",
            reference=f"PICKLIST-{pl.id}",
            actor=actor,
        )
    else:
        stop.allocation_id = None
        s.flush()
        allocations.delete(s, alloc.id)
    s.flush()
    if not missing:
        return []
    return handle_shortfall(
        s, pl, stop, line_id=line_id, lot_id=expected_lot, missing=missing, reason=reason or "not_found", actor=actor
    )


def _lock_order_if_short(s: Session, pick_list_id: int, cmd: Confirm | ShortPick) -> None:
    """A short pick may flag the stop's order and send it back: lock the order before the pick list
    (orders → pick lists → shipments → stock), as cancelling it does. The stop is matched without locks
    first; if the scan does not match, the locked match below tells the picker why."""
    pl = s.get(PickList, pick_list_id)
    if pl is None:
        return
    try:
        stop = _match(s, pl, cmd)
    except Conflict:
        return
    if isinstance(cmd, ShortPick) or cmd.quantity < stop.quantity:
        get_order(s, stop.order_id, lock=True)


def _lock_stock(s: Session, pl: PickList, stop: PickListStop, lot_id: int, quantity: int, reason: str | None) -> None:
    """Every stock row the confirmation may touch, locked at once in id order (``lock_stock``): the stop's
    reservation, the scanned lot there, the cart; for a short pick also QUARANTINE and the item's stock
    elsewhere in the warehouse, where the shortfall is looked for."""
    ids = [allocations.stock_of(s, stop.allocation_id)] if stop.allocation_id is not None else []
    places = [Place(stop.location_id, lot_id, stop.item_id, pl.warehouse_id)]
    if quantity:
        places.append(Place(_cart(pl), lot_id, stop.item_id, pl.warehouse_id))
    short = quantity < stop.quantity
    if short:
        shipments.lock(s, [stop.shipment_id])  # a shortfall nobody can fill may cancel it
        places += shortfall_places(s, pl, stop, stop.lot_id, reason or "not_found")
    lock_stock(s, ids=ids, places=places, available=elsewhere(pl, stop) if short else None)


def _match(s: Session, pl: PickList, cmd: Confirm | ShortPick) -> PickListStop:
    """The open stop the scan confirms, or a 409 that tells the picker what is wrong (``rules.match_stop``)."""
    stops = list(
        s.scalars(
            select(PickListStop)
            .where(PickListStop.pick_list_id == pl.id)
            .order_by(PickListStop.seq)
            .execution_options(populate_existing=True)  # as they are now, not as an earlier read saw them
        )
    )
    locations = location_codes(s, (st.location_id for st in stops))
    skus_ = skus(s, (st.item_id for st in stops))
    lots = lot_codes(s, (st.lot_id for st in stops))
    loc_id = location_id_by_code(s, pl.warehouse_id, cmd.location)
    item_id = item_id_by_scan(s, cmd.sku)
    scan = ScanView(cmd.location, cmd.sku, cmd.lot, cmd.stop_id, loc_id, item_id)
    views = [
        StopView(
            st.id,
            st.seq,
            st.status,
            st.location_id,
            locations[st.location_id],
            st.item_id,
            skus_[st.item_id],
            lots[st.lot_id],
            st.quantity,
        )
        for st in stops
    ]
    chosen = match_stop(views, scan, pick_list_id=pl.id)
    return next(st for st in stops if st.id == chosen.id)


def _scanned_lot(s: Session, stop: PickListStop, cmd: Confirm) -> int:
    """The stop's lot, or another lot at the same location that FEFO allows for the order."""
    expected = lot_codes(s, [stop.lot_id])[stop.lot_id]
    if cmd.lot == expected:
        return stop.lot_id
    lot = find_lot(s, stop.item_id, cmd.lot)
    if lot is None:
        raise Conflict(
            f"Wrong lot: {cmd.lot} is not a lot of {cmd.sku}. Pick lot {expected}.",
            code="wrong_lot",
            details={"scanned": cmd.lot, "expected": expected},
        )
    if not is_usable(
        lot.expiry_date,
        today=utcnow().date(),
        ship_date=promised_ship_date(s, stop.order_id),
        min_shelf_life_days=min_shelf_life_days(s, stop.item_id),
    ):
        raise Conflict(
            f"Wrong lot: {cmd.lot} expires {lot.expiry_date}, too soon for this order. Pick lot {expected}.",
            code="lot_not_allowed",
            details={"scanned": cmd.lot, "expected": expected, "expiry_date": str(lot.expiry_date)},
        )
    free = free_at(s, stop.location_id, lot.id)
    if free < cmd.quantity:
        raise Conflict(
            f"Wrong lot: only {free} of lot {cmd.lot} are free at {cmd.location}. Pick lot {expected}.",
            code="lot_not_available",
            details={"scanned": cmd.lot, "expected": expected, "free": free},
        )
    return lot.id


def _cart(pl: PickList) -> int:
    if pl.cart_location_id is None:
        raise Conflict(f"pick list {pl.id} has no cart; claim it first", code="pick_list_not_claimed")
    return pl.cart_location_id
