"""An order's shipments on the floor (released into a wave, picked or packed), for the orders context."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.allocation import shipments
from wms.allocation.orm import Shipment, ShipmentLine

IN_PROGRESS = ("released", "picked", "packed")


def floor_shipments(s: Session, order_id: int, *, lock: bool = False) -> list[int]:
    """Ids of the order's shipments being picked or packed (``lock``: rows locked, so a packer cannot close
    one while the caller changes it)."""
    stmt = (
        select(Shipment.id)
        .where(
            Shipment.status.in_(IN_PROGRESS),
            Shipment.id.in_(select(ShipmentLine.shipment_id).where(ShipmentLine.order_id == order_id)),
        )
        .order_by(Shipment.id)
    )
    return list(s.scalars(stmt.with_for_update() if lock else stmt))


def set_carrier(s: Session, shipment_id: int, carrier: str) -> None:
    """The carrier the shipment is to leave with (its orders agree on it)."""
    s.get_one(Shipment, shipment_id).carrier = carrier


def back_to_packing(s: Session, shipment_ids: tuple[int, ...]) -> list[int]:
    """Packed shipments among ``shipment_ids`` go back to ``picked``, to be packed again; their ids."""
    packed = list(
        s.scalars(
            select(Shipment).where(Shipment.id.in_(shipment_ids), Shipment.status == "packed").order_by(Shipment.id)
        )
    )
    for shipment in packed:
        shipments.transition(s, shipment, "picked", "parcels voided", shipments.SYSTEM)
    return [sh.id for sh in packed]
