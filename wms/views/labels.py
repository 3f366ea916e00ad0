"""What a parcel's label shows: its carrier and tracking number, the sender (the warehouse), the ship-to
address and the orders of its shipment; ``wms.shipping.labels`` renders it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.allocation.orm import Shipment, ShipmentLine
from wms.errors import NotFound
from wms.inventory.orm import Warehouse
from wms.orders.orm import Order
from wms.shipping.labels import LabelData
from wms.shipping.orm import Parcel


def label_data(s: Session, parcel_id: int) -> LabelData:
    parcel = s.get(Parcel, parcel_id)
    if parcel is None or parcel.tracking_number is None:
        raise NotFound(f"parcel {parcel_id} not found", code="parcel_not_found")
    shipment = s.get_one(Shipment, parcel.shipment_id)
    count = s.scalar(select(func.count()).where(Parcel.shipment_id == shipment.id)) or 1
    orders = list(
        s.scalars(
            select(Order)
            .where(Order.id.in_(select(ShipmentLine.order_id).where(ShipmentLine.shipment_id == shipment.id)))
            .order_by(Order.id)
        )
    )
    sender = s.scalar(select(Warehouse.name).where(Warehouse.id == shipment.warehouse_id)) or ""
    return LabelData(
        parcel.tracking_number,
        parcel.carrier,
        parcel.seq,
        count,
        parcel.weight_kg,
        sender,
        orders[0].ship_to if orders else {},
        f"SHIPMENT {shipment.id} / " + ", ".join(o.external_id for o in orders),
    )
