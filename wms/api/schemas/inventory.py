"""Response bodies of warehouses, locations, items, stock and its ledger, putaway, cycle counts and
replenishment (request bodies are the commands of ``wms.inventory``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from wms.api.pagination import Page
from wms.inventory.commands import LayoutIn


class WarehouseOut(BaseModel):
    code: str
    name: str
    layout: LayoutIn
    location_count: int
    created_at: datetime


class LocationOut(BaseModel):
    code: str
    kind: str
    aisle: int | None
    bay: int | None
    level: int | None
    side: str | None
    x_m: float
    y_m: float


class ItemOut(BaseModel):
    sku: str
    name: str
    min_shelf_life_days: int
    unit_volume_l: float | None
    unit_weight_kg: float | None
    barcode: str | None = None


class StockOut(BaseModel):
    warehouse: str
    location: str
    sku: str
    lot: str
    expiry_date: date | None
    on_hand: int
    reserved: int
    available: int


class MovementOut(BaseModel):
    id: int
    at: datetime
    warehouse: str
    location: str
    sku: str
    lot: str
    expiry_date: date | None
    delta: int
    reason: str
    reference: str
    actor: str
    operation_id: int


class OperationOut(BaseModel):
    """A receipt, move, adjustment or posted count with the ledger rows it wrote."""

    id: int
    kind: str
    warehouse: str
    reference: str
    at: datetime
    actor: str
    movements: list[MovementOut]


class PutawayOut(BaseModel):
    warehouse: str
    location: str
    sku: str
    lot: str
    expiry_date: date | None
    quantity: int
    suggested_location: str | None


class CountLineOut(BaseModel):
    sku: str
    lot: str
    expiry_date: date | None
    expected: int
    counted: int
    variance: int


class CycleCountOut(BaseModel):
    id: int
    warehouse: str
    location: str
    status: str
    reason: str
    created_at: datetime
    created_by: str
    counted_at: datetime | None
    counted_by: str | None
    operation_id: int | None
    lines: list[CountLineOut]


class PickFaceOut(BaseModel):
    id: int
    warehouse: str
    location: str
    sku: str
    min_quantity: int
    max_quantity: int


class Source(BaseModel):
    location: str
    lot: str
    expiry_date: date | None
    available: int


class TaskOut(BaseModel):
    id: int
    warehouse: str
    status: str
    sku: str
    to_location: str
    quantity: int
    claimed_by: str | None
    moved: int | None
    created_at: datetime
    done_at: datetime | None
    sources: list[Source]


class WarehousePage(Page[WarehouseOut]):
    pass


class LocationPage(Page[LocationOut]):
    pass


class ItemPage(Page[ItemOut]):
    pass


class StockPage(Page[StockOut]):
    pass


class MovementPage(Page[MovementOut]):
    pass


class PutawayPage(Page[PutawayOut]):
    pass


class CycleCountPage(Page[CycleCountOut]):
    pass
