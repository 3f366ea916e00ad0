"""What a handheld sees of a pick list: its stops in walking order, the next one and what follows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from wms.batches.orm import Lot
from wms.errors import NotFound
from wms.inventory.orm import Item, Location, Warehouse
from wms.inventory.repository import warehouse_code_of
from wms.picking.orm import PickList, PickListStop


def pick_list_warehouse(s: Session, pick_list_id: int) -> str:
    return warehouse_code_of(
        s, PickList, pick_list_id, NotFound(f"pick list {pick_list_id} not found", code="pick_list_not_found")
    )


def stops_of(s: Session, pick_list_id: int) -> list[dict[str, Any]]:
    rows = s.execute(
        select(
            PickListStop.id,
            PickListStop.seq,
            Location.code.label("location"),
            Item.sku,
            Lot.code.label("lot"),
            Lot.expiry_date,
            PickListStop.quantity,
            PickListStop.order_id,
            PickListStop.shipment_id,
            PickListStop.status,
            PickListStop.picked_quantity,
            PickListStop.short_reason.label("reason"),
            PickListStop.replaces_stop_id,
        )
        .join(Location, Location.id == PickListStop.location_id)
        .join(Item, Item.id == PickListStop.item_id)
        .join(Lot, Lot.id == PickListStop.lot_id)
        .where(PickListStop.pick_list_id == pick_list_id)
        .order_by(PickListStop.seq)
    ).all()
    return [dict(r._mapping) for r in rows]


def pick_list_detail(s: Session, pick_list_id: int) -> dict[str, Any]:
    pl = s.get(PickList, pick_list_id)
    if pl is None:
        raise NotFound(f"pick list {pick_list_id} not found", code="pick_list_not_found")
    stops = stops_of(s, pl.id)
    open_stops = [st for st in stops if st["status"] == "open"]
    next_stop = None
    if open_stops:
        next_stop = {**open_stops[0], "then": open_stops[1]["location"] if len(open_stops) > 1 else None}
    cart = s.scalar(select(Location.code).where(Location.id == pl.cart_location_id)) if pl.cart_location_id else None
    return {
        "id": pl.id,
        "wave_id": pl.wave_id,
        "warehouse": pick_list_warehouse(s, pl.id),
        "status": pl.status,
        "claimed_by": pl.claimed_by,
        "claimed_at": pl.claimed_at,
        "cart": cart,
        "distance_m": pl.distance_m,
        "orders": sorted({st["order_id"] for st in stops}),
        "stops": stops,
        "open_stops": len(open_stops),
        "next_stop": next_stop,
    }


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
