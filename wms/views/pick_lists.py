"""Pick lists as planners following the floor see them: a page of summaries with their warehouse's code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from wms.inventory.orm import Warehouse
from wms.picking.orm import PickList, PickListStop


def pick_list_summaries(
    s: Session, *, warehouse: str | None, status: str | None, after_id: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """Pick lists for planners following the floor: who holds each, how many stops are still open."""
    stmt = (
        select(
            PickList.id,
            PickList.wave_id,
            Warehouse.code.label("warehouse"),
            PickList.status,
            PickList.claimed_by,
            PickList.claimed_at,
            PickList.delivered_at,
            PickList.distance_m,
            func.count(PickListStop.id).label("stops"),
            func.sum(case((PickListStop.status == "open", 1), else_=0)).label("open_stops"),
        )
        .join(Warehouse, Warehouse.id == PickList.warehouse_id)
        .outerjoin(PickListStop, PickListStop.pick_list_id == PickList.id)
        .where(PickList.id > after_id)
        .group_by(PickList.id, Warehouse.code)
        .order_by(PickList.id)
        .limit(limit + 1)
    )
    if warehouse is not None:
        stmt = stmt.where(Warehouse.code == warehouse)
    if status is not None:
        stmt = stmt.where(PickList.status == status)
    return [(r.id, {**r._mapping, "open_stops": int(r.open_stops or 0)}) for r in s.execute(stmt)]
