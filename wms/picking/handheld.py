"""Pick lists on the floor: a picker claims the next one, takes a cart, and delivers it to packing.

Claiming is a queue: the most urgent open pick list (oldest wave, then its
order in the wave), taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so
two pickers never wait on or get the same one (SQLite writers run one at a
time). A picker who asks again while holding an unfinished list (or a full
cart not yet delivered) gets that list back: a handheld that lost its Wi-Fi
resumes where it was.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from wms.allocation import allocations, shipments
from wms.db import UnitOfWork
from wms.errors import Conflict, Forbidden, InvalidInput, NotFound
from wms.inventory import repository as repo
from wms.inventory.ledger import StockChange, post_operation
from wms.inventory.stock import ids_at, location_kinds_by, lock_unload, on_hand_at
from wms.inventory.warehouses import new_cart
from wms.orm import utcnow
from wms.picking.commands import Claim, Deliver
from wms.picking.orm import PickList, PickListStop

HELD = ("claimed", "picked")


def claim(cmd: Claim, uow: UnitOfWork, actor: str) -> int | None:
    """The pick list the picker now holds, or None when there is no work."""

    def work(uow: UnitOfWork) -> int | None:
        s = uow.session
        wh = repo.warehouse_by_code(s, cmd.warehouse)
        mine = s.scalar(
            select(PickList.id)
            .where(
                PickList.warehouse_id == wh.id, PickList.claimed_by == actor, PickList.status.in_(("claimed", "picked"))
            )  # cart not delivered
            .order_by(PickList.id)
            .limit(1)
        )
        if mine is not None:
            return mine
        abandoned_cart = and_(PickList.status == "picked", PickList.claimed_by.is_(None))  # released when full
        pl = s.scalars(
            select(PickList)
            .where(PickList.warehouse_id == wh.id, or_(PickList.status == "open", abandoned_cart))
            .order_by(PickList.status.desc(), PickList.wave_id, PickList.seq)
            .limit(1)  # full carts first
            .with_for_update(skip_locked=True)
        ).first()
        if pl is None:
            return None
        pl.claimed_by, pl.claimed_at = actor, utcnow()
        if pl.status == "open":
            pl.status = "claimed"
        if pl.cart_location_id is None:
            pl.cart_location_id = new_cart(s, wh, f"CART-{pl.id}")
        s.flush()
        return pl.id

    return uow.run(work)


def release(pick_list_id: int, uow: UnitOfWork, actor: str, *, supervisor: bool) -> None:
    """Give a claimed pick list back to the queue (its cart, and whatever is on it, goes with it).
    A full cart not yet delivered is handed on too, first in the queue, for someone to deliver."""

    def work(uow: UnitOfWork) -> None:
        pl = locked(uow.session, pick_list_id)
        if pl.status not in HELD:
            raise Conflict(f"pick list {pl.id} is {pl.status}, not claimed", code="pick_list_not_claimed")
        check_holder(pl, actor, supervisor=supervisor)
        pl.claimed_by, pl.claimed_at = None, None
        if pl.status == "claimed":  # a full cart stays "picked": the next picker to claim it delivers it
            pl.status = "open"

    uow.run(work)


def deliver(pick_list_id: int, cmd: Deliver, uow: UnitOfWork, actor: str, *, supervisor: bool = False) -> None:
    """The cart reaches the packing station: its stock moves there in the ledger, still reserved."""

    def work(uow: UnitOfWork) -> None:
        s = uow.session
        pl = locked(s, pick_list_id)
        check_holder(pl, actor, supervisor=supervisor)
        if pl.status != "picked":
            raise Conflict(
                f"pick list {pl.id} still has stops to pick"
                if pl.status == "claimed"
                else f"pick list {pl.id} is {pl.status}",
                code="pick_list_not_picked",
            )
        station = repo.location_by_code(s, repo.warehouse_by_id(s, pl.warehouse_id), cmd.location)
        if station.kind != "packing":
            raise InvalidInput(f"{station.code} is not a packing station", code="not_a_packing_station")
        shipment_ids = sorted(
            set(s.scalars(select(PickListStop.shipment_id).where(PickListStop.pick_list_id == pl.id)))
        )
        shipments.lock(s, shipment_ids)  # before stock: they become picked below
        if pl.cart_location_id is not None:
            lock_unload(s, pl.warehouse_id, pl.cart_location_id, station.id)
        allocations.move_all(
            s,
            ids_at(pl.cart_location_id),
            warehouse_id=pl.warehouse_id,
            to_location_id=station.id,
            kind="cart_drop",
            reason="cart_drop",
            reference=f"PICKLIST-{pl.id}",
            actor=actor,
        )
        _unload_rest(s, pl, station.id, actor)
        pl.status, pl.delivered_at = "delivered", utcnow()
        s.flush()
        mark_picked_where_complete(s, shipment_ids, actor=actor)

    uow.run(work)


def _unload_rest(s: Session, pl: PickList, station_id: int, actor: str) -> None:
    """Units on the cart that no shipment holds any more (a cancelled order's) come off it too, to put away."""
    rest = on_hand_at(s, pl.cart_location_id)
    if rest and pl.cart_location_id is not None:  # without a cart, rest is empty
        post_operation(
            s,
            warehouse_id=pl.warehouse_id,
            kind="cart_drop",
            reference=f"PICKLIST-{pl.id}",
            actor=actor,
            changes=[
                c
                for item_id, lot_id, on_hand in rest
                for c in (
                    StockChange(pl.cart_location_id, item_id, lot_id, -on_hand, "cart_drop"),
                    StockChange(station_id, item_id, lot_id, on_hand, "cart_drop"),
                )
            ],
        )


def locked(s: Session, pick_list_id: int) -> PickList:
    # populate_existing: a row read before the lock (confirm's unlocked look at the stop) is read again
    pl = s.scalars(
        select(PickList).where(PickList.id == pick_list_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if pl is None:
        raise NotFound(f"pick list {pick_list_id} not found", code="pick_list_not_found")
    return pl


def check_holder(pl: PickList, actor: str, *, supervisor: bool = False) -> None:
    """Only the picker holding a list works on it (a supervisor may step in)."""
    if pl.status == "open":
        raise Conflict(f"pick list {pl.id} is not claimed; claim it first", code="pick_list_not_claimed")
    if not supervisor and pl.claimed_by is not None and pl.claimed_by != actor:
        raise Forbidden(f"pick list {pl.id} belongs to another picker", code="pick_list_of_another_picker")


def mark_picked_where_complete(s: Session, shipment_ids: Iterable[int], *, actor: str = shipments.SYSTEM) -> None:
    """Each released shipment among these is picked once no stop of it is open and all its units are at
    packing; set-based (a cart's delivery touches one shipment per order on it)."""
    released = [h for h in shipments.heads(s, shipment_ids).values() if h.status == "released"]
    if not released:
        return
    ids = [h.id for h in released]
    still_open = set(
        s.scalars(
            select(PickListStop.shipment_id).where(PickListStop.shipment_id.in_(ids), PickListStop.status == "open")
        )
    )
    kinds = location_kinds_by(s, allocations.stock_of_shipments(ids))
    done = [h for h in released if h.id not in still_open and kinds.get(h.id, set()) <= {"packing"}]
    shipments.transition_many(s, done, "picked", ["every unit at packing"] * len(done), actor)
