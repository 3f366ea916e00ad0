"""Response bodies of shipments as allocated: their lines with the FEFO allocations reserved for them."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class AllocationOut(BaseModel):
    location: str
    lot: str
    expiry_date: date | None
    quantity: int


class ShipmentLineOut(BaseModel):
    sku: str
    quantity: int
    allocations: list[AllocationOut]


class OrderShipmentOut(BaseModel):
    """A shipment of an order: its lines with the FEFO allocations reserved for them."""

    id: int
    warehouse: str
    status: str
    orders: list[int]
    lines: list[ShipmentLineOut]
