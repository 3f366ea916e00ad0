"""Between the database and the batching core: a wave's shipments as arrays, pick lists back as rows.

Each shipment of the wave is one batching "order" (a merged shipment is packed as
one); each allocation (units of one lot at one location) is one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import insert
from sqlalchemy.orm import Session

from wms.allocation.allocations import wave_lines
from wms.inventory.repository import warehouse_layout
from wms.inventory.stock import positions
from wms.orders.queries import urgencies
from wms.orders.review import Urgency, priority_key, shipment_urgency
from wms.orm import utcnow
from wms.picking.batching.problem import BatchingProblem, CartCapacity, WaveResult
from wms.picking.orm import PickList, PickListStop, Wave
from wms.picking.routing.problem import LayoutArrays


@dataclass(frozen=True)
class WaveInputs:
    problem: BatchingProblem
    shipment_ids: list[int]  # batching order index → shipment
    lines: list[dict[str, Any]]  # batching line index → allocation, order, location, item, lot


def load(s: Session, wave_id: int) -> WaveInputs:
    wave = s.get_one(Wave, wave_id)
    layout = warehouse_layout(s, wave.warehouse_id)
    rows = _lines(s, wave_id)
    shipment_ids = sorted({r.shipment_id for r in rows})
    orders: dict[int, dict[int, Urgency]] = {sid: {} for sid in shipment_ids}
    for r in rows:
        orders[r.shipment_id][r.order_id] = Urgency(
            r.order_id, r.ship_by, r.promised_ship_by, r.created_at, r.line_count
        )
    urgent_first = sorted((shipment_urgency(sid, orders[sid].values()) for sid in shipment_ids), key=priority_key)
    rank = {u.id: k for k, u in enumerate(urgent_first)}
    window = wave.params.get("deadline_window_min")
    carrier_id = {c: k for k, c in enumerate(sorted({r.carrier for r in rows}))}
    per_shipment: dict[int, list[Any]] = {sid: [] for sid in shipment_ids}
    for r in rows:
        per_shipment[r.shipment_id].append(r)
    ordered = [r for sid in shipment_ids for r in per_shipment[sid]]
    params = wave.params
    cart = params["cart"]
    problem = BatchingProblem.from_orders(
        [
            [(r.aisle - 1, r.y_m, r.quantity, r.quantity * (r.unit_volume_l or 0.0)) for r in per_shipment[sid]]
            for sid in shipment_ids
        ],
        LayoutArrays.from_layout(layout),
        CartCapacity(cart.get("max_orders"), cart.get("max_units"), cart.get("max_volume_l")),
        priority=[rank[sid] for sid in shipment_ids],
        carrier=[carrier_id[per_shipment[sid][0].carrier] for sid in shipment_ids],
        group_by_carrier=params.get("group_by_carrier", False),
        deadline_group=None if window is None else deadline_groups(urgent_first, shipment_ids, window),
        time_limit_s=params.get("time_limit_s", 2.0),
    )
    return WaveInputs(problem, shipment_ids, [r._asdict() for r in ordered])


def deadline_groups(urgent_first: list[Urgency], shipment_ids: list[int], window_min: int) -> list[int]:
    """Each shipment's deadline window: whole ``window_min`` minutes after the wave's earliest deadline.

    Shipments of different windows never share a pick list, so a cart due at an early carrier cut-off is
    not held back by orders due later (deadline-aware batching)."""
    if not urgent_first:
        return []
    first = urgent_first[0].deadline
    window = {u.id: int((u.deadline - first).total_seconds() // (60 * window_min)) for u in urgent_first}
    return [window[sid] for sid in shipment_ids]


class _Line(NamedTuple):
    shipment_id: int
    carrier: str
    allocation_id: int
    order_id: int
    location_id: int
    item_id: int
    lot_id: int
    quantity: int
    aisle: int | None
    y_m: float
    unit_volume_l: float | None
    ship_by: datetime | None
    promised_ship_by: datetime
    created_at: datetime
    line_count: int


def _lines(s: Session, wave_id: int) -> list[_Line]:
    """The wave's allocations, by shipment then allocation, with where their units are and their order's urgency."""
    lines = wave_lines(s, wave_id)
    where = positions(s, (a.stock_id for a in lines))
    urgency = urgencies(s, (a.order_id for a in lines))
    return [
        _Line(
            a.shipment_id,
            a.carrier,
            a.allocation_id,
            a.order_id,
            where[a.stock_id].location_id,
            where[a.stock_id].item_id,
            where[a.stock_id].lot_id,
            a.quantity,
            where[a.stock_id].aisle,
            where[a.stock_id].y_m,
            where[a.stock_id].unit_volume_l,
            urgency[a.order_id].ship_by,
            urgency[a.order_id].promised_ship_by,
            urgency[a.order_id].created_at,
            urgency[a.order_id].line_count,
        )
        for a in lines
    ]


def plan(inputs: WaveInputs) -> WaveResult:
    from wms.picking.batching.planner import plan_wave  # noqa: PLC0415 (the core compiles numba kernels)

    return plan_wave(inputs.problem)


def store(s: Session, wave: Wave, inputs: WaveInputs, result: WaveResult) -> None:
    """The pick lists and their stops in two statements (one per table), whatever the wave's size."""
    lists = [
        {
            "wave_id": wave.id,
            "warehouse_id": wave.warehouse_id,
            "seq": seq,
            "distance_m": round(float(pick_list.length), 6),
            "status": "open",
        }
        for seq, pick_list in enumerate(result.pick_lists, start=1)
    ]
    ids = s.scalars(insert(PickList).returning(PickList.id, sort_by_parameter_order=True), lists).all() if lists else []
    stops = [
        {
            "pick_list_id": list_id,
            "seq": k,
            "allocation_id": line["allocation_id"],
            "shipment_id": line["shipment_id"],
            "order_id": line["order_id"],
            "location_id": line["location_id"],
            "item_id": line["item_id"],
            "lot_id": line["lot_id"],
            "quantity": int(units),
            "status": "open",
        }
        for list_id, pick_list in zip(ids, result.pick_lists, strict=True)
        for k, (line, units) in enumerate(
            ((inputs.lines[int(i)], u) for i, u in zip(pick_list.lines, pick_list.units, strict=True)), start=1
        )
    ]
    if stops:
        s.execute(insert(PickListStop), stops)
    wave.status, wave.planned_at, wave.lease_until = "planned", utcnow(), None
    wave.total_distance_m = round(float(result.total_distance), 6)
    wave.method = result.method
