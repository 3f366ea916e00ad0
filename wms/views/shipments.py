"""A shipment as packers, the dock and ERPs see it: contents, where they are, parcels and labels, history
(shipments, their lines and allocations, stock, lots, items, locations, parcels)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from wms.allocation import shipments
from wms.allocation.orm import Allocation, Shipment, ShipmentLine
from wms.batches.orm import Lot
from wms.db import core
from wms.errors import NotFound
from wms.inventory.orm import Item, Location, Stock, Warehouse
from wms.inventory.repository import warehouse_code_of
from wms.shipping.answers import parcel_view, shipment_answer
from wms.shipping.orm import Parcel


def _no_shipment(shipment_id: int) -> NotFound:
    return NotFound(f"shipment {shipment_id} not found", code="shipment_not_found")


def shipment_warehouse(s: Session, shipment_id: int) -> str:
    return warehouse_code_of(s, Shipment, shipment_id, _no_shipment(shipment_id))


def parcel_warehouse(s: Session, parcel_id: int) -> str:
    shipment_id = s.scalar(select(Parcel.shipment_id).where(Parcel.id == parcel_id))
    if shipment_id is None:
        raise NotFound(f"parcel {parcel_id} not found", code="parcel_not_found")
    return shipment_warehouse(s, shipment_id)


_LINES, _PARCELS = ShipmentLine.__table__, Parcel.__table__
_ITEMS = (  # the queries of a shipment's detail, built once (packers read one per shipment): only the id changes
    select(
        _LINES.c.order_id,
        Item.sku,
        Lot.code.label("lot"),
        Lot.expiry_date,
        Location.code.label("location"),
        Allocation.quantity,
    )
    .join(Allocation, Allocation.shipment_line_id == _LINES.c.id)
    .join(Stock, Stock.id == Allocation.stock_id)
    .join(Lot, Lot.id == Stock.lot_id)
    .join(Item, Item.id == Stock.item_id)
    .join(Location, Location.id == Stock.location_id)
    .where(_LINES.c.shipment_id == bindparam("shipment_id"))
    .order_by(_LINES.c.id, Allocation.id)
)
_ORDERS = select(_LINES.c.order_id).where(_LINES.c.shipment_id == bindparam("shipment_id"))
_PARCELS_OF = select(_PARCELS).where(_PARCELS.c.shipment_id == bindparam("shipment_id")).order_by(_PARCELS.c.seq)


def shipment_detail(s: Session, shipment_id: int) -> dict[str, Any]:
    head = shipments.heads(s, [shipment_id]).get(shipment_id)
    if head is None:
        raise _no_shipment(shipment_id)
    db, key = core(s), {"shipment_id": shipment_id}
    return shipment_answer(
        head,
        list(db.execute(_ORDERS, key).scalars()),
        [dict(r._mapping) for r in db.execute(_ITEMS, key)],
        [parcel_view(p) for p in db.execute(_PARCELS_OF, key)],
        shipments.history(s, shipment_id),
    )


_ORDERS_OF = (
    select(func.count(func.distinct(_LINES.c.order_id))).where(_LINES.c.shipment_id == Shipment.id).scalar_subquery()
)
_UNITS_OF = (
    select(func.coalesce(func.sum(_LINES.c.quantity), 0)).where(_LINES.c.shipment_id == Shipment.id).scalar_subquery()
)


def shipment_summaries(
    s: Session, *, warehouse: str | None, status: str | None, wave_id: int | None, after_id: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """Shipments for the packing station and the dock: what is waiting, oldest first. Each page's orders and
    units are counted for its own shipments only (subqueries per row): a join with the lines, grouped, was
    planned as a merge join that read the lines of every shipment before the page."""
    stmt = (
        select(
            Shipment.id,
            Warehouse.code.label("warehouse"),
            Shipment.status,
            Shipment.carrier,
            Shipment.wave_id,
            Shipment.packed_at,
            Shipment.shipped_at,
            _ORDERS_OF.label("orders"),
            _UNITS_OF.label("units"),
        )
        .join(Warehouse, Warehouse.id == Shipment.warehouse_id)
        .where(Shipment.id > after_id)
        .order_by(Shipment.id)
        .limit(limit + 1)
    )
    if warehouse is not None:
        stmt = stmt.where(Warehouse.code == warehouse)
    if status is not None:
        stmt = stmt.where(Shipment.status == status)
    if wave_id is not None:
        stmt = stmt.where(Shipment.wave_id == wave_id)
    return [(r.id, dict(r._mapping)) for r in s.execute(stmt)]
