"""Release what an order holds: its reservations, and its part of shared shipments."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from wms.allocation import shipments
from wms.allocation.orm import Allocation, Shipment, ShipmentLine
from wms.errors import Conflict
from wms.inventory.stock import unreserve

RELEASABLE = ("allocated",)
FLOOR = ("released", "picked", "packed")


def release_order(
    session: Session,
    order_id: int,
    *,
    on_floor: bool = False,
    leave_shipped: bool = False,
    actor: str = shipments.SYSTEM,
) -> int:
    """Unreserve and remove the order's shipment lines; a shipment left empty is cancelled.

    Returns the units released. Refused (409) once a shipment has gone to a wave, unless
    ``on_floor`` (the caller took the order off the floor first); once one has shipped, refused
    too, unless ``leave_shipped``: then what left stays as it left and the rest is released.
    """
    rows = session.execute(
        select(ShipmentLine.id, ShipmentLine.shipment_id, Shipment.status)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(ShipmentLine.order_id == order_id, Shipment.status != "cancelled")
        .order_by(Shipment.id)
        .with_for_update(of=Shipment)  # a wave starting now waits, then finds the shipment gone or busy
    ).all()
    if leave_shipped:
        rows = [r for r in rows if r.status != "shipped"]
    allowed = RELEASABLE + (FLOOR if on_floor else ())
    busy = sorted({r.shipment_id for r in rows if r.status not in allowed})
    if busy:
        raise Conflict(
            "the order's shipment is already in the warehouse's hands",
            code="shipment_in_progress",
            details={"shipments": busy},
        )
    line_ids = [r.id for r in rows]
    if not line_ids:
        return 0
    amounts: dict[int, int] = defaultdict(int)
    for stock_id, qty in session.execute(
        select(Allocation.stock_id, Allocation.quantity).where(Allocation.shipment_line_id.in_(line_ids))
    ):
        amounts[stock_id] += qty
    unreserve(session, amounts.items())
    session.execute(delete(Allocation).where(Allocation.shipment_line_id.in_(line_ids)))
    session.execute(delete(ShipmentLine).where(ShipmentLine.id.in_(line_ids)))
    for shipment_id in {r.shipment_id for r in rows}:
        left = session.scalar(select(func.count()).where(ShipmentLine.shipment_id == shipment_id))
        if not left:
            shipment = session.get_one(Shipment, shipment_id)
            shipments.transition(session, shipment, "cancelled", f"order {order_id} released, nothing left", actor)
    session.flush()
    return sum(amounts.values())
