"""Bodies of waves, pick lists on handhelds and routes (other request bodies are the commands of
``wms.picking``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from wms.api.pagination import Page
from wms.commands import Command
from wms.fields import LocationCode


class StopOut(BaseModel):
    location: str
    sku: str
    lot: str
    quantity: int
    order_id: int
    status: str


class PickListOut(BaseModel):
    id: int
    status: str
    orders: list[int]
    distance_m: float
    stops: list[StopOut]


class WaveOut(BaseModel):
    id: int
    warehouse: str
    status: str
    orders: list[int]
    pick_lists: list[PickListOut]
    total_distance_m: float | None
    method: str | None
    error: str | None
    created_at: datetime
    planned_at: datetime | None


class WaveSummary(BaseModel):
    id: int
    warehouse: str
    status: str
    order_count: int
    pick_list_count: int
    total_distance_m: float | None
    method: str | None
    error: str | None
    created_at: datetime
    planned_at: datetime | None


class WaveSummaryPage(Page[WaveSummary]):
    pass


class StopView(BaseModel):
    id: int
    seq: int
    location: str
    sku: str
    lot: str
    expiry_date: date | None
    quantity: int
    order_id: int
    shipment_id: int
    status: str
    picked_quantity: int | None
    reason: str | None
    replaces_stop_id: int | None


class NextStop(StopView):
    then: str | None  # the location after this one, if any


class PickListView(BaseModel):
    id: int
    wave_id: int
    warehouse: str
    status: str
    claimed_by: str | None
    claimed_at: datetime | None
    cart: str | None
    distance_m: float
    orders: list[int]
    stops: list[StopView]
    open_stops: int
    next_stop: NextStop | None


class PickListSummary(BaseModel):
    id: int
    wave_id: int
    warehouse: str
    status: str
    claimed_by: str | None
    claimed_at: datetime | None
    delivered_at: datetime | None
    distance_m: float
    stops: int
    open_stops: int


class PickListSummaryPage(Page[PickListSummary]):
    pass


class ConfirmationResult(PickListView):
    confirmed_stop_id: int
    added_stop_ids: list[int]


class RouteRequest(Command):
    locations: Annotated[list[LocationCode], Field(min_length=1, max_length=1000)]


class RouteOut(BaseModel):
    sequence: list[str]
    distance_m: float
    method: str = Field(description="exact, or heuristic/improved where no exact method applies")
