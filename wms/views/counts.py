"""Cycle counts as planners and pickers see them: the location, who counted when, and per lot the expected
and counted units and the variance (inventory's counts with batches' lots)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wms.batches.orm import Lot
from wms.db import UnitOfWork
from wms.errors import NotFound
from wms.inventory.orm import CycleCount, CycleCountLine, Item, Location, Warehouse

Row = dict[str, Any]


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
