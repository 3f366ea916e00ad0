"""Read side of the inventory: stock, ledger, operations, counts, as plain dicts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from wms.batches.orm import Lot
from wms.db import UnitOfWork
from wms.errors import NotFound
from wms.inventory.orm import (
    CycleCount,
    CycleCountLine,
    Item,
    Location,
    Stock,
    StockMovement,
    StockOperation,
    Warehouse,
)
from wms.inventory.repository import warehouse_code_of

Row = dict[str, Any]


def _filters(stmt: Select, warehouse: str | None, sku: str | None, location: str | None, lot: str | None) -> Select:
    if warehouse is not None:
        stmt = stmt.where(Warehouse.code == warehouse)
    if sku is not None:
        stmt = stmt.where(Item.sku == sku)
    if location is not None:
        stmt = stmt.where(Location.code == location)
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


def count_warehouse(s: Session, count_id: int) -> str:
    return warehouse_code_of(
        s, CycleCount, count_id, NotFound(f"cycle count {count_id} not found", code="count_not_found")
    )


def receipt_warehouse(s: Session, receipt_id: int) -> str:
    code = s.scalar(
        select(Warehouse.code)
        .join(StockOperation, StockOperation.warehouse_id == Warehouse.id)
        .where(StockOperation.id == receipt_id, StockOperation.kind == "receipt")
    )
    if code is None:
        raise NotFound(f"receipt {receipt_id} not found", code="receipt_not_found")
    return code


def cycle_count(uow: UnitOfWork, count: CycleCount) -> Row:
    s = uow.session
    wh_code = s.scalar(select(Warehouse.code).where(Warehouse.id == count.warehouse_id))
    loc_code = s.scalar(select(Location.code).where(Location.id == count.location_id))
    lines = s.execute(
        select(Item.sku, Lot.code.label("lot"), Lot.expiry_date, CycleCountLine.expected, CycleCountLine.counted)
        .join(Item, Item.id == CycleCountLine.item_id)
        .join(Lot, Lot.id == CycleCountLine.lot_id)
        .where(CycleCountLine.count_id == count.id)
        .order_by(CycleCountLine.lot_id)
    )
    return {
        "id": count.id,
        "warehouse": wh_code,
        "location": loc_code,
        "status": count.status,
        "reason": count.reason,
        "created_at": count.created_at,
        "created_by": count.created_by,
        "counted_at": count.counted_at,
        "counted_by": count.counted_by,
        "operation_id": count.operation_id,
        "lines": [{**ln._mapping, "variance": ln.counted - ln.expected} for ln in lines],
    }


def cycle_counts(
    uow: UnitOfWork, *, warehouse: str | None, status: str | None, after_id: int, limit: int
) -> list[tuple[int, Row]]:
    stmt = select(CycleCount).where(CycleCount.id > after_id).order_by(CycleCount.id).limit(limit + 1)
    if warehouse is not None:
        stmt = stmt.join(Warehouse, Warehouse.id == CycleCount.warehouse_id).where(Warehouse.code == warehouse)
    if status is not None:
        stmt = stmt.where(CycleCount.status == status)
    return [(c.id, cycle_count(uow, c)) for c in uow.session.scalars(stmt).all()]


def cycle_count_by_id(uow: UnitOfWork, count_id: int) -> Row:
    count = uow.session.get(CycleCount, count_id)
    if count is None:
        raise NotFound(f"cycle count {count_id} not found", code="count_not_found")
    return cycle_count(uow, count)
