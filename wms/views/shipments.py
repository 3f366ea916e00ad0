"""A shipment as packers, the dock and ERPs see it: contents, where they are, parcels and labels, history
(shipments, their lines and allocations, stock, lots, items, locations, parcels)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.allocation import shipments
from wms.allocation.orm import Allocation, Shipment, ShipmentLine
from wms.allocation.shipments import Head
from wms.batches.orm import Lot
from wms.errors import NotFound
from wms.inventory.orm import Item, Location, Stock, Warehouse
from wms.inventory.repository import warehouse_code_of
from wms.shipping.answers import parcel_view, shipment_answer
from wms.shipping.orm import Parcel


def shipment_warehouse(s: Session, shipment_id: int) -> str:
    return warehouse_code_of(
        s, Shipment, shipment_id, NotFound(f"shipment {shipment_id} not found", code="shipment_not_found")
    )


def parcel_warehouse(s: Session, parcel_id: int) -> str:
    shipment_id = s.scalar(select(Parcel.shipment_id).where(Parcel.id == parcel_id))
    if shipment_id is None:
        raise NotFound(f"parcel {parcel_id} not found", code="parcel_not_found")
    return shipment_warehouse(s, shipment_id)


def shipment_detail(s: Session, shipment_id: int) -> dict[str, Any]:
    code = shipment_warehouse(s, shipment_id)
    sh = s.get_one(Shipment, shipment_id)
    items = s.execute(
        select(
            ShipmentLine.order_id,
            Item.sku,
            Lot.code.label("lot"),
            Lot.expiry_date,
            Location.code.label("location"),
            Allocation.quantity,
        )
        .join(Allocation, Allocation.shipment_line_id == ShipmentLine.id)
        .join(Stock, Stock.id == Allocation.stock_id)
        .join(Lot, Lot.id == Stock.lot_id)
        .join(Item, Item.id == Stock.item_id)
        .join(Location, Location.id == Stock.location_id)
        .where(ShipmentLine.shipment_id == sh.id)
        .order_by(ShipmentLine.id, Allocation.id)
    ).all()
    orders = s.scalars(select(ShipmentLine.order_id).where(ShipmentLine.shipment_id == sh.id))
    parcels = s.scalars(select(Parcel).where(Parcel.shipment_id == sh.id).order_by(Parcel.seq))
    head = Head(sh.id, sh.warehouse_id, code, sh.status, sh.carrier, sh.wave_id, sh.packed_at, sh.shipped_at)
    return shipment_answer(
        head,
        list(orders),
        [dict(r._mapping) for r in items],
        [parcel_view(p) for p in parcels],
        shipments.history(s, sh.id),
    )


def shipment_summaries(
    s: Session, *, warehouse: str | None, status: str | None, wave_id: int | None, after_id: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """Shipments for the packing station and the dock: what is waiting, oldest first."""
    stmt = (
        select(
            Shipment.id,
            Warehouse.code.label("warehouse"),
            Shipment.status,
            Shipment.carrier,
            Shipment.wave_id,
            Shipment.packed_at,
            Shipment.shipped_at,
            func.count(func.distinct(ShipmentLine.order_id)).label("orders"),
            func.coalesce(func.sum(ShipmentLine.quantity), 0).label("units"),
        )
        .join(Warehouse, Warehouse.id == Shipment.warehouse_id)
        .outerjoin(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(Shipment.id > after_id)
        .group_by(Shipment.id, Warehouse.code)
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
