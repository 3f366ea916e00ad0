"""Between the database and the batching core: a wave's shipments as arrays, pick lists back as rows.

Each shipment of the wave is one batching "order" (a merged shipment is packed as
one); each allocation (units of one lot at one location) is one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from wms.allocation.orm import Allocation, Shipment, ShipmentLine
from wms.inventory.layout import Layout
from wms.inventory.orm import Item, Location, Stock, Warehouse
from wms.orders.orm import Order
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
    layout = Layout(**s.get_one(Warehouse, wave.warehouse_id).layout)
    rows = s.execute(
        select(
            Shipment.id.label("shipment_id"),
            Shipment.carrier,
            Allocation.id.label("allocation_id"),
            ShipmentLine.order_id,
            Stock.location_id,
            Stock.item_id,
            Stock.lot_id,
            Allocation.quantity,
            Location.aisle,
            Location.y_m,
            Item.unit_volume_l,
            Order.ship_by,
            Order.promised_ship_by,
            Order.created_at,
            Order.line_count,
        )
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .join(Allocation, Allocation.shipment_line_id == ShipmentLine.id)
        .join(Stock, Stock.id == Allocation.stock_id)
        .join(Location, Location.id == Stock.location_id)
        .join(Item, Item.id == Stock.item_id)
        .join(Order, Order.id == ShipmentLine.order_id)
        .where(Shipment.wave_id == wave_id, Shipment.status == "released")
        .order_by(Shipment.id, Allocation.id)
    ).all()
    shipment_ids = sorted({r.shipment_id for r in rows})
    orders: dict[int, dict[int, Urgency]] = {sid: {} for sid in shipment_ids}
    for r in rows:
        orders[r.shipment_id][r.order_id] = Urgency(
            r.order_id, r.ship_by, r.promised_ship_by, r.created_at, r.line_count
        )
    urgent_first = sorted((shipment_urgency(sid, orders[sid].values()) for sid in shipment_ids), key=priority_key)
    rank = {u.id: k for k, u in enumerate(urgent_first)}
    carriers = sorted({r.carrier for r in rows})
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
        carrier=[carriers.index(per_shipment[sid][0].carrier) for sid in shipment_ids],
        group_by_carrier=params.get("group_by_carrier", False),
        time_limit_s=params.get("time_limit_s", 2.0),
    )
    return WaveInputs(problem, shipment_ids, [r._asdict() for r in ordered])


def plan(inputs: WaveInputs) -> WaveResult:
    from wms.picking.batching.planner import plan_wave  # noqa: PLC0415 (the core compiles numba kernels)

    return plan_wave(inputs.problem)


def store(s: Session, wave: Wave, inputs: WaveInputs, result: WaveResult) -> None:
    for seq, pick_list in enumerate(result.pick_lists, start=1):
        row = PickList(
            wave_id=wave.id,
            warehouse_id=wave.warehouse_id,
            seq=seq,
            distance_m=round(float(pick_list.length), 6),
            status="open",
        )
        s.add(row)
        s.flush()
        s.execute(
            insert(PickListStop),
            [
                {
                    "pick_list_id": row.id,
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
                for k, (line, units) in enumerate(
                    ((inputs.lines[int(i)], u) for i, u in zip(pick_list.lines, pick_list.units, strict=True)), start=1
                )
            ],
        )
    wave.status, wave.planned_at, wave.lease_until = "planned", utcnow(), None
    wave.total_distance_m = round(float(result.total_distance), 6)
    wave.method = result.method
