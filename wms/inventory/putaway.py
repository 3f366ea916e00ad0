"""What waits to be put away: free units outside storage (receiving, carts, packing, the dock), each with a
suggested storage location: the item's pick face, else where most of the item already is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.batches.orm import Lot
from wms.inventory.orm import Item, Location, Stock, Warehouse
from wms.inventory.replenishment_orm import PickFace

WAITING_KINDS = ("receiving", "cart", "packing", "shipping")


def putaway_list(s: Session, *, warehouse: str | None, after_id: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
    stmt = (
        select(
            Stock.id,
            Stock.warehouse_id,
            Stock.item_id,
            Warehouse.code.label("warehouse"),
            Location.code.label("location"),
            Item.sku,
            Lot.code.label("lot"),
            Lot.expiry_date,
            (Stock.on_hand - Stock.reserved).label("quantity"),
        )
        .join(Warehouse, Warehouse.id == Stock.warehouse_id)
        .join(Location, Location.id == Stock.location_id)
        .join(Item, Item.id == Stock.item_id)
        .join(Lot, Lot.id == Stock.lot_id)
        .where(Stock.id > after_id, Location.kind.in_(WAITING_KINDS), Stock.on_hand > Stock.reserved)
        .order_by(Stock.id)
        .limit(limit + 1)
    )
    if warehouse is not None:
        stmt = stmt.where(Warehouse.code == warehouse)
    rows = s.execute(stmt).all()
    return [
        (
            r.id,
            {k: v for k, v in r._mapping.items() if k not in ("id", "warehouse_id", "item_id")}
            | {"suggested_location": _suggest(s, r.warehouse_id, r.item_id)},
        )
        for r in rows
    ]


def _suggest(s: Session, warehouse_id: int, item_id: int) -> str | None:
    face = s.scalar(
        select(Location.code)
        .join(PickFace, PickFace.location_id == Location.id)
        .where(PickFace.warehouse_id == warehouse_id, PickFace.item_id == item_id)
        .order_by(PickFace.id)
        .limit(1)
    )
    if face is not None:
        return face
    return s.scalar(
        select(Location.code)
        .join(Stock, Stock.location_id == Location.id)
        .where(Stock.warehouse_id == warehouse_id, Stock.item_id == item_id, Location.kind == "storage")
        .group_by(Location.id, Location.code)
        .order_by(func.sum(Stock.on_hand).desc(), Location.id)
        .limit(1)
    )
