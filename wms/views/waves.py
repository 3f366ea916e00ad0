"""Waves as planners see them: one wave with its orders and pick lists (stops with location, item and lot),
and a page of summaries, newest first, without the pick lists."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.allocation.shipments import orders_by_wave
from wms.batches.orm import Lot
from wms.errors import NotFound
from wms.inventory.orm import Item, Location, Warehouse
from wms.inventory.repository import warehouse_code_of
from wms.picking.orm import PickList, PickListStop, Wave

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


def wave_detail(s: Session, wave_id: int) -> dict[str, Any]:
    wave = s.get(Wave, wave_id)
    if wave is None:
        raise NotFound(f"wave {wave_id} not found", code="wave_not_found")
    code = s.scalar(select(Warehouse.code).where(Warehouse.id == wave.warehouse_id))
    orders = sorted(order_id for _, order_id in s.execute(orders_by_wave([wave.id])))
    body: dict[str, Any] = {
        "id": wave.id,
        "warehouse": code,
        "status": wave.status,
        "orders": orders,
        "pick_lists": [],
        "total_distance_m": wave.total_distance_m,
        "method": wave.method,
        "error": wave.error,
        "created_at": wave.created_at,
        "planned_at": wave.planned_at,
    }
    stops = s.execute(
        select(
            PickListStop.pick_list_id,
            Location.code.label("location"),
            Item.sku,
            Lot.code.label("lot"),
            PickListStop.quantity,
            PickListStop.order_id,
            PickListStop.status,
        )
        .join(PickList, PickList.id == PickListStop.pick_list_id)
        .join(Location, Location.id == PickListStop.location_id)
        .join(Item, Item.id == PickListStop.item_id)
        .join(Lot, Lot.id == PickListStop.lot_id)
        .where(PickList.wave_id == wave.id)
        .order_by(PickList.seq, PickListStop.seq)
    ).all()
    by_list: dict[int, list[dict[str, Any]]] = defaultdict(list)  # one pass: linear in the wave's stops
    for st in stops:
        by_list[st.pick_list_id].append(dict(st._mapping))
    for pl in s.scalars(select(PickList).where(PickList.wave_id == wave.id).order_by(PickList.seq)):
        mine = by_list.get(pl.id, [])
        body["pick_lists"].append(
            {
                "id": pl.id,
                "status": pl.status,
                "distance_m": pl.distance_m,
                "orders": sorted({st["order_id"] for st in mine}),
                "stops": [{k: v for k, v in st.items() if k != "pick_list_id"} for st in mine],
            }
        )
    return body
