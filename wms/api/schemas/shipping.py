"""Response bodies of shipments on the floor (items, parcels, history) and of returns (request bodies are
the commands of ``wms.shipping``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from wms.api.errors import ErrorDetail
from wms.api.pagination import Page
from wms.api.schemas.orders import TransitionOut


class ShipmentItem(BaseModel):
    order_id: int
    sku: str
    lot: str
    expiry_date: date | None
    location: str
    quantity: int


class ParcelOut(BaseModel):
    id: int
    seq: int
    carrier: str
    tracking_number: str
    weight_kg: float
    length_cm: float | None
    width_cm: float | None
    height_cm: float | None
    label_pdf_url: str
    label_zpl_url: str


class ShipmentOut(BaseModel):
    id: int
    warehouse: str
    status: str
    carrier: str
    wave_id: int | None
    orders: list[int]
    items: list[ShipmentItem]
    parcels: list[ParcelOut]
    packed_at: datetime | None
    shipped_at: datetime | None
    history: list[TransitionOut]


class DepartureOut(BaseModel):
    shipment_id: int
    result: Literal["shipped", "refused"]
    status_code: int
    shipped_at: datetime | None = None
    orders: list[int] = []
    tracking_numbers: list[str] = []
    error: ErrorDetail | None = None


class ShipManyOut(BaseModel):
    results: list[DepartureOut]
    shipped: int
    refused: int


class ShipmentSummary(BaseModel):
    id: int
    warehouse: str
    status: str
    carrier: str
    wave_id: int | None
    orders: int
    units: int
    packed_at: datetime | None
    shipped_at: datetime | None


class ShipmentSummaryPage(Page[ShipmentSummary]):
    pass


class ReturnLineOut(BaseModel):
    sku: str
    lot: str
    quantity: int
    disposition: str
    location: str
    reason: str | None


class ReturnOut(BaseModel):
    id: int
    warehouse: str
    order_id: int
    reference: str
    received_by: str
    received_at: datetime
    lines: list[ReturnLineOut]
