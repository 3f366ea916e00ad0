"""A plain pick, the scan a picker makes all day: an open stop confirmed with its own lot and all its units.

It is confirmed in a handful of statements: on PostgreSQL the pick list is
locked first, alone (READ COMMITTED takes a statement's snapshot when the
statement starts, so only a read that starts after the lock sees what a
transaction that held it committed); then one read gives the list, its stops
with their codes, the scanned location and item, each stop's reservation and
the cart's row of its lot; one upsert moves the units and their reservation
from the shelf row to the cart's (``ledger.move_reserved``), one statement
posts the move (two on SQLite); the reservation is pointed at the cart row,
the stop and, when it was the last open one, the list are updated. The answer
is built from that read, not read again. SQLite needs no lock statement:
``BEGIN IMMEDIATE`` lets one writer in at a time.

Anything else (a short pick, another lot, a reservation shared with another
stop, a list without a cart, a scan that does not match or any other refusal)
is not plain: ``NotPlain`` rolls the transaction back before it changed
anything and ``confirm`` takes the general path, which says what is wrong.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, Row, Select, String, bindparam, select, update
from sqlalchemy.orm import Session

from wms.allocation import allocations
from wms.batches.lots import expiry_date_column, lot_code_column
from wms.errors import DomainError
from wms.inventory.ledger import move_reserved
from wms.inventory.replenishment import pick_face_column, replenish_if_low
from wms.inventory.repository import (
    item_id_by_scan_column,
    location_code_column,
    location_id_column,
    sku_column,
    stock_id_column,
    warehouse_code_column,
)
from wms.inventory.stock import Place
from wms.orm import utcnow
from wms.picking.commands import Confirm
from wms.picking.handheld import check_holder
from wms.picking.orm import PickList, PickListStop
from wms.picking.pick_list_views import view
from wms.picking.rules import ScanView, StopView, check_quantity, match_stop


class NotPlain(Exception):
    """The scan is not a plain pick, or is refused: the general path confirms it or says why."""


def pick_plain(s: Session, pick_list_id: int, cmd: Confirm, actor: str, *, supervisor: bool) -> dict[str, Any]:
    """Confirm a plain pick (see the module); the answer is the pick list as the handheld now sees it."""
    db = s.connection()  # Core statements, built once: no ORM step
    if db.dialect.name == "postgresql":
        db.execute(_LOCK, {"pick_list_id": pick_list_id})
    rows = db.execute(_READ, {"pick_list_id": pick_list_id, "location": cmd.location, "sku": cmd.sku}).all()
    if not rows:
        raise NotPlain(f"pick list {pick_list_id} not found")
    head, stops = rows[0], [r for r in rows if r.stop_id is not None]
    try:
        stop = _plain_stop(head, stops, cmd, actor, supervisor=supervisor)
    except DomainError as refused:
        raise NotPlain(str(refused)) from refused
    assert stop.allocation_id is not None and head.cart_location_id is not None  # checked by _plain_stop
    try:
        cart_row = move_reserved(
            s,
            stock_id=stop.allocation_stock_id,
            source=Place(stop.location_id, stop.lot_id, stop.item_id, head.warehouse_id),
            to_location_id=head.cart_location_id,
            target_id=stop.cart_row_id,
            quantity=stop.quantity,
            kind="pick",
            reason="pick",
            reference=f"PICKLIST-{head.id}",
            actor=actor,
        )
    except DomainError as refused:  # the reservation is not where the stop says: the general path tells
        raise NotPlain(str(refused)) from refused
    allocations.repoint(s, stop.allocation_id, cart_row)
    if stop.pick_face:
        replenish_if_low(s, stop.location_id, stop.item_id)
    db.execute(_PICKED, {"stop_id": stop.stop_id, "picked": stop.quantity, "at": utcnow(), "actor": actor})
    status = head.status
    if not any(r.stop_status == "open" and r.stop_id != stop.stop_id for r in stops):
        db.execute(_LIST_PICKED, {"pick_list_id": head.id})
        status = "picked"
    answer = view(
        {
            "id": head.id,
            "wave_id": head.wave_id,
            "warehouse": head.warehouse,
            "status": status,
            "claimed_by": head.claimed_by,
            "claimed_at": head.claimed_at,
            "cart": head.cart,
            "distance_m": head.distance_m,
        },
        [_stop_view(r, picked=r.stop_id == stop.stop_id) for r in stops],
    )
    answer["confirmed_stop_id"] = stop.stop_id
    answer["added_stop_ids"] = []
    return answer


def _plain_stop(head: Row[Any], stops: list[Row[Any]], cmd: Confirm, actor: str, *, supervisor: bool) -> Row[Any]:
    """The stop the scan confirms, if the scan is a plain pick of it; else ``NotPlain`` or the refusal."""
    check_holder(PickList(id=head.id, status=head.status, claimed_by=head.claimed_by), actor, supervisor=supervisor)
    if head.status not in ("claimed", "picked"):
        raise NotPlain(f"pick list {head.id} is {head.status}")
    views = [
        StopView(
            r.stop_id,
            r.seq,
            r.stop_status,
            r.location_id,
            r.location,
            r.item_id,
            r.sku,
            r.lot,
            r.quantity,
        )
        for r in stops
    ]
    scan = ScanView(cmd.location, cmd.sku, cmd.lot, cmd.stop_id, head.scanned_location_id, head.scanned_item_id)
    chosen = match_stop(views, scan, pick_list_id=head.id)
    stop = next(r for r in stops if r.stop_id == chosen.id)
    check_quantity(stop.quantity, cmd.quantity, cmd.reason)
    if (
        cmd.quantity != stop.quantity
        or cmd.lot != stop.lot
        or stop.allocation_id is None
        or stop.allocation_quantity != stop.quantity  # shared with another stop: the general path splits it
        or head.cart_location_id is None
    ):
        raise NotPlain("not a plain pick")
    return stop


def _stop_view(r: Row[Any], *, picked: bool) -> dict[str, Any]:
    """A stop as ``pick_list_views.stops_of`` shows it (the confirmed one as it now is)."""
    return {
        "id": r.stop_id,
        "seq": r.seq,
        "location": r.location,
        "sku": r.sku,
        "lot": r.lot,
        "expiry_date": r.expiry_date,
        "quantity": r.quantity,
        "order_id": r.order_id,
        "shipment_id": r.shipment_id,
        "status": "picked" if picked else r.stop_status,
        "picked_quantity": r.quantity if picked else r.picked_quantity,
        "reason": None if picked else r.short_reason,
        "replaces_stop_id": r.replaces_stop_id,
    }


def _read() -> Select[*tuple[Any, ...]]:
    """The pick list ``:pick_list_id`` (a row per stop, in walking order; one row without stop columns for a
    list without stops) with what matching the scan (``:location``, ``:sku``), moving the units and
    answering need. Built once: only its parameters change."""
    st = PickListStop
    pick_list_id = bindparam("pick_list_id", type_=BigInteger)
    return (
        select(
            PickList.id,
            PickList.wave_id,
            PickList.warehouse_id,
            PickList.status,
            PickList.claimed_by,
            PickList.claimed_at,
            PickList.cart_location_id,
            PickList.distance_m,
            warehouse_code_column(PickList.warehouse_id).label("warehouse"),
            location_code_column(PickList.cart_location_id).label("cart"),
            location_id_column(PickList.warehouse_id, bindparam("location", type_=String)).label("scanned_location_id"),
            item_id_by_scan_column(bindparam("sku", type_=String)).label("scanned_item_id"),
            st.id.label("stop_id"),
            st.seq,
            st.status.label("stop_status"),
            st.location_id,
            st.item_id,
            st.lot_id,
            st.quantity,
            st.order_id,
            st.shipment_id,
            st.picked_quantity,
            st.short_reason,
            st.replaces_stop_id,
            st.allocation_id,
            location_code_column(st.location_id).label("location"),
            sku_column(st.item_id).label("sku"),
            lot_code_column(st.lot_id).label("lot"),
            expiry_date_column(st.lot_id).label("expiry_date"),
            allocations.quantity_column(st.allocation_id).label("allocation_quantity"),
            allocations.stock_id_column(st.allocation_id).label("allocation_stock_id"),
            stock_id_column(PickList.cart_location_id, st.lot_id).label("cart_row_id"),
            pick_face_column(st.location_id, st.item_id).label("pick_face"),
        )
        .outerjoin(st, st.pick_list_id == PickList.id)
        .where(PickList.id == pick_list_id)
        .order_by(st.seq)
    )


# the statements of a plain pick, built once (SQLAlchemy then only binds their parameters)
_LOCK = select(PickList.id).where(PickList.id == bindparam("pick_list_id", type_=BigInteger)).with_for_update()
_READ = _read()
_PICKED = (
    update(PickListStop)
    .where(PickListStop.id == bindparam("stop_id", type_=BigInteger))
    .values(
        status="picked",
        picked_quantity=bindparam("picked", type_=Integer),
        short_reason=None,
        confirmed_at=bindparam("at", type_=PickListStop.__table__.c.confirmed_at.type),
        confirmed_by=bindparam("actor", type_=String),
    )
)
_LIST_PICKED = (
    update(PickList).where(PickList.id == bindparam("pick_list_id", type_=BigInteger)).values(status="picked")
)
