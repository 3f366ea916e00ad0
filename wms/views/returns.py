"""A return as clients see it: its lines with item, lot and where each went (returns' rows with inventory's
items and locations and batches' lots)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.batches.orm import Lot
from wms.errors import NotFound
from wms.inventory.orm import Item, Location, Warehouse
from wms.shipping.returns_orm import Return, ReturnLine


def return_detail(s: Session, return_id: int) -> dict[str, Any]:
    ret = s.get(Return, return_id)
    if ret is None:
        raise NotFound(f"return {return_id} not found", code="return_not_found")
    lines = s.execute(
        select(
            Item.sku,
            Lot.code.label("lot"),
            ReturnLine.quantity,
            ReturnLine.disposition,
            Location.code.label("location"),
            ReturnLine.reason,
        )
        .join(Item, Item.id == ReturnLine.item_id)
        .join(Lot, Lot.id == ReturnLine.lot_id)
        .join(Location, Location.id == ReturnLine.location_id)
        .where(ReturnLine.return_id == ret.id)
        .order_by(ReturnLine.id)
    ).all()
    return {
        "id": ret.id,
        "warehouse": s.scalar(select(Warehouse.code).where(Warehouse.id == ret.warehouse_id)),
        "order_id": ret.order_id,
        "reference": ret.reference,
        "received_by": ret.received_by,
        "received_at": ret.received_at,
        "lines": [dict(r._mapping) for r in lines],
    }
