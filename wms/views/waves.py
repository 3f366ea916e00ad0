"""Waves as planners look back on them: a page of summaries, newest first, without the pick lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.allocation.shipments import orders_by_wave
from wms.errors import NotFound
from wms.inventory.orm import Warehouse
from wms.inventory.repository import warehouse_code_of
from wms.picking.orm import PickList, Wave

STATUSES = ("planning", "planned", "failed")


@dataclass(frozen=True)
class WaveFilter:
    """Which waves: of one warehouse, in one status, created in ``[created_from, created_to)``."""

    warehouse: str | None = None
    status: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None  # an empty or reversed range holds no wave


def wave_warehouse(s: Session, wave_id: int) -> str:
    return warehouse_code_of(s, Wave, wave_id, NotFound(f"wave {wave_id} not found", code="wave_not_found"))


def wave_summaries(s: Session, f: WaveFilter, *, before_id: int | None, limit: int) -> list[tuple[int, dict[str, Any]]]:
    """Up to ``limit + 1`` waves with ids below ``before_id``, newest first, with their order and pick list counts."""
    stmt = (
        select(
            Wave.id,
            Warehouse.code.label("warehouse"),
            Wave.status,
            Wave.total_distance_m,
            Wave.method,
            Wave.error,
            Wave.created_at,
            Wave.planned_at,
        )
        .join(Warehouse, Warehouse.id == Wave.warehouse_id)
        .order_by(Wave.id.desc())
        .limit(limit + 1)
    )
    if before_id is not None:
        stmt = stmt.where(Wave.id < before_id)
    if f.warehouse is not None:
        stmt = stmt.where(Warehouse.code == f.warehouse)
    if f.status is not None:
        stmt = stmt.where(Wave.status == f.status)
    if f.created_from is not None:
        stmt = stmt.where(Wave.created_at >= f.created_from)
    if f.created_to is not None:
        stmt = stmt.where(Wave.created_at < f.created_to)
    waves = s.execute(stmt).all()
    ids = [w.id for w in waves]
    pairs = orders_by_wave(ids).subquery()
    orders: dict[int, int] = (
        dict(s.execute(select(pairs.c.wave_id, func.count()).group_by(pairs.c.wave_id)).all()) if ids else {}
    )
    lists = (
        dict(
            s.execute(
                select(PickList.wave_id, func.count()).where(PickList.wave_id.in_(ids)).group_by(PickList.wave_id)
            ).all()
        )
        if ids
        else {}
    )
    return [
        (w.id, {**w._mapping, "order_count": orders.get(w.id, 0), "pick_list_count": lists.get(w.id, 0)}) for w in waves
    ]
