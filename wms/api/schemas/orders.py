"""Response bodies of orders, bulk intake, ERP messages and problems (request bodies are the commands of
``wms.orders``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from wms.api.errors import ErrorDetail
from wms.api.pagination import Page
from wms.api.schemas.allocation import OrderShipmentOut


class OrderLineOut(BaseModel):
    line_no: int
    sku: str
    quantity: int
    allocated: int
    backordered: int


class ProblemOut(BaseModel):
    id: int
    code: str
    detail: str
    due_at: datetime
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None


class TransitionOut(BaseModel):
    from_status: str | None
    to_status: str
    cause: str
    actor: str
    at: datetime


class OrderSummaryOut(BaseModel):
    id: int
    external_id: str
    channel: str
    customer_id: str
    status: str
    paid: bool
    promised_ship_by: datetime
    ship_by: datetime | None
    carrier: str
    line_count: int
    unit_count: int
    problems: list[str]
    created_at: datetime
    updated_at: datetime


class OrderOut(OrderSummaryOut):
    ship_to: dict[str, Any]
    paid_at: datetime | None
    payment_reminder_at: datetime | None
    buyer_message: str | None
    seller_remark: str | None
    lines: list[OrderLineOut]
    shipments: list[OrderShipmentOut]
    problem_list: list[ProblemOut]
    history: list[TransitionOut]


class BulkResultOut(BaseModel):
    index: int
    external_id: str | None = None
    channel: str | None = None
    result: Literal["created", "existing", "error"]
    order_id: int | None = None
    status_code: int
    error: ErrorDetail | None = None


class BulkOut(BaseModel):
    results: list[BulkResultOut]
    created: int
    existing: int
    errors: int


class BulkJobOut(BaseModel):
    id: int
    status: Literal["queued", "running", "done", "failed"]
    total: int
    processed: int
    created: int
    existing: int
    errors: int
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None = None
    results: list[BulkResultOut] | None = None


class MessageOut(BaseModel):
    result: Literal["applied", "pending"]
    order: OrderOut | None


class PendingMessageOut(BaseModel):
    id: int
    status: Literal["pending"]
    channel: str
    external_id: str
    type: str
    at: datetime
    received_at: datetime


class OpenProblemOut(ProblemOut):
    order_id: int
    external_id: str
    channel: str
    order_status: str


class PendingMessagePage(Page[PendingMessageOut]):
    pass


class OrderSummaryPage(Page[OrderSummaryOut]):
    pass


class OpenProblemPage(Page[OpenProblemOut]):
    pass
