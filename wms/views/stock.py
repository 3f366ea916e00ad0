"""Stock as clients see it: stock per location and lot, the ledger, an operation with the ledger rows it
wrote, and what waits to be put away (free units outside storage: receiving, carts, packing, the dock),
each with a suggested storage location: the item's pick face, else where most of the item already is.
Inventory's stock and locations with batches' lots."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from wms.batches.orm import Lot
from wms.db import UnitOfWork
from wms.errors import NotFound
from wms.inventory.orm import Item, Location, Stock, StockMovement, StockOperation, Warehouse
from wms.inventory.replenishment_orm import PickFace

Row = dict[str, Any]
WAITING_KINDS = ("receiving", "cart", "packing", "shipping")  # locations whose free units wait for putaway


def _filters(stmt: Select, warehouse: str | None, sku: str | None, location: str | None, lot: str | None) -> Select:
    if warehouse is not None:
        stmt = stmt.where(Warehouse.code == warehouse)
    if sku is not None:
        stmt = stmt.where(Item.sku == sku)
    if location is not None:  # a code is unique within its warehouse: the planner reads it by (warehouse, code)
        stmt = stmt.where(Location.code == location, Location.warehouse_id == Warehouse.id)
    if lot is not None:
        stmt = stmt.where(Lot.code == lot)
    return stmt


def stock(
    uow: UnitOfWork,
    *,
    warehouse: str | None,
    sku: str | None,
    location: str | None,
    lot: str | None,
    after_id: int,
    limit: int,
) -> list[tuple[int, Row]]:
    stmt = (
        select(
            Stock.id,
            Warehouse.code.label("warehouse"),
            Location.code.label("location"),
            Item.sku,
            Lot.code.label("lot"),
            Lot.expiry_date,
            Stock.on_hand,
            Stock.reserved,
        )
        .join(Warehouse, Warehouse.id == Stock.warehouse_id)
        .join(Location, Location.id == Stock.location_id)
        .join(Item, Item.id == Stock.item_id)
        .join(Lot, Lot.id == Stock.lot_id)
        .where(Stock.id > after_id, (Stock.on_hand > 0) | (Stock.reserved > 0))
        .order_by(Stock.id)
        .limit(limit + 1)
    )
    rows = uow.session.execute(_filters(stmt, warehouse, sku, location, lot))
    return [(r.id, {**r._mapping, "available": r.on_hand - r.reserved}) for r in rows]


def _movement_select() -> Select:
    return (
        select(
            StockMovement.id,
            StockMovement.at,
            Warehouse.code.label("warehouse"),
            Location.code.label("location"),
            Item.sku,
            Lot.code.label("lot"),
            Lot.expiry_date,
            StockMovement.delta,
            StockMovement.reason,
            StockMovement.reference,
            StockMovement.actor,
            StockMovement.operation_id,
        )
        .join(Warehouse, Warehouse.id == StockMovement.warehouse_id)
        .join(Location, Location.id == StockMovement.location_id)
        .join(Item, Item.id == StockMovement.item_id)
        .join(Lot, Lot.id == StockMovement.lot_id)
        .order_by(StockMovement.id)
    )


def movements(
    uow: UnitOfWork,
    *,
    warehouse: str | None,
    sku: str | None,
    location: str | None,
    lot: str | None,
    reason: str | None,
    reference: str | None,
    after_id: int,
    limit: int,
) -> list[tuple[int, Row]]:
    stmt = _filters(_movement_select(), warehouse, sku, location, lot)
    if reason is not None:
        stmt = stmt.where(StockMovement.reason == reason)
    if reference is not None:
        stmt = stmt.where(StockMovement.reference == reference)
    rows = uow.session.execute(stmt.where(StockMovement.id > after_id).limit(limit + 1))
    return [(r.id, dict(r._mapping)) for r in rows]


def operation(uow: UnitOfWork, op: StockOperation) -> Row:
    wh_code = uow.session.scalar(select(Warehouse.code).where(Warehouse.id == op.warehouse_id))
    rows = uow.session.execute(_movement_select().where(StockMovement.operation_id == op.id))
    return {
        "id": op.id,
        "kind": op.kind,
        "warehouse": wh_code,
        "reference": op.reference,
        "at": op.at,
        "actor": op.actor,
        "movements": [dict(r._mapping) for r in rows],
    }


def operation_by_id(uow: UnitOfWork, op_id: int, kind: str) -> Row:
    op = uow.session.get(StockOperation, op_id)
    if op is None or op.kind != kind:
        raise NotFound(f"{kind} {op_id} not found", code=f"{kind}_not_found")
    return operation(uow, op)


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
