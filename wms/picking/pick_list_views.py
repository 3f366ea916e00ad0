"""What a handheld sees of a pick list: its stops in walking order, the next one and what follows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.batches.lots import expiry_dates, lot_codes
from wms.errors import NotFound
from wms.inventory.repository import location_codes, skus, warehouse_code_of
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
            PickListStop.location_id,
            PickListStop.item_id,
            PickListStop.lot_id,
            PickListStop.quantity,
            PickListStop.order_id,
            PickListStop.shipment_id,
            PickListStop.status,
            PickListStop.picked_quantity,
            PickListStop.short_reason,
            PickListStop.replaces_stop_id,
        )
        .where(PickListStop.pick_list_id == pick_list_id)
        .order_by(PickListStop.seq)
    ).all()
    locations = location_codes(s, (st.location_id for st in rows))
    skus_ = skus(s, (st.item_id for st in rows))
    lots = lot_codes(s, (st.lot_id for st in rows))
    expiry = expiry_dates(s, (st.lot_id for st in rows))
    return [
        {
            "id": st.id,
            "seq": st.seq,
            "location": locations[st.location_id],
            "sku": skus_[st.item_id],
            "lot": lots[st.lot_id],
            "expiry_date": expiry[st.lot_id],
            "quantity": st.quantity,
            "order_id": st.order_id,
            "shipment_id": st.shipment_id,
            "status": st.status,
            "picked_quantity": st.picked_quantity,
            "reason": st.short_reason,
            "replaces_stop_id": st.replaces_stop_id,
        }
        for st in rows
    ]


def pick_list_detail(s: Session, pick_list_id: int) -> dict[str, Any]:
    pl = s.get(PickList, pick_list_id)
    if pl is None:
        raise NotFound(f"pick list {pick_list_id} not found", code="pick_list_not_found")
    cart = location_codes(s, [pl.cart_location_id])[pl.cart_location_id] if pl.cart_location_id else None
    head = {
        "id": pl.id,
        "wave_id": pl.wave_id,
        "warehouse": pick_list_warehouse(s, pl.id),
        "status": pl.status,
        "claimed_by": pl.claimed_by,
        "claimed_at": pl.claimed_at,
        "cart": cart,
        "distance_m": pl.distance_m,
    }
    return view(head, stops_of(s, pl.id))


def view(head: dict[str, Any], stops: list[dict[str, Any]]) -> dict[str, Any]:
    """The pick list as a handheld sees it, from its own fields (``head``) and its stops (``stops_of``)
    in walking order: the orders, the stops still open, the next one and the location after it."""
    open_stops = [st for st in stops if st["status"] == "open"]
    next_stop = None
    if open_stops:
        next_stop = {**open_stops[0], "then": open_stops[1]["location"] if len(open_stops) > 1 else None}
    return {
        **head,
        "orders": sorted({st["order_id"] for st in stops}),
        "stops": stops,
        "open_stops": len(open_stops),
        "next_stop": next_stop,
    }
