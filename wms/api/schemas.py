"""Response bodies (request bodies are the commands of each context)."""

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


class LotOut(BaseModel):
    sku: str
    lot: str
    expiry_date: date | None


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


class WarehousePage(Page[WarehouseOut]):
    pass


class LocationPage(Page[LocationOut]):
    pass


class ItemPage(Page[ItemOut]):
    pass


class LotPage(Page[LotOut]):
    pass


class StockPage(Page[StockOut]):
    pass


class MovementPage(Page[MovementOut]):
    pass


class CycleCountPage(Page[CycleCountOut]):
    pass
