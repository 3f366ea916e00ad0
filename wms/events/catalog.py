"""Every event type the outbox carries, with its payload: the registry ``outbox.record`` checks.

An event type is emitted only if it is listed here, so none can reach an
ERP undocumented: the API serves this catalog as the webhooks section of its
OpenAPI document. Payloads only ever gain fields; receivers ignore fields they
do not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model


class EventEnvelope(BaseModel):
    """One event, as polled from `GET /v1/events` and as POSTed to a webhook."""

    id: str = Field(description="Unique per event (a UUID): a receiver that sees an id twice drops the second.")
    seq: int = Field(description="Gapless and in commit order: resume polling with `?after=<last seq seen>`.")
    type: str = Field(description="The event type; its payload is described under webhooks.")
    payload: dict[str, Any]
    created_at: datetime = Field(description="When the change was committed.")


class OrderStatusChanged(BaseModel):
    """An order moved to another state (also sent for a new order, with `from: null`)."""

    order_id: int
    external_id: str
    channel: str
    from_status: str | None = Field(alias="from", description="The previous state; null for a new order.")
    to: str = Field(
        description="unconfirmed, awaiting_payment, ready, allocated, shipped, completed, refunding, "
        "refunded or cancelled."
    )
    cause: str = Field(description="Why, in words (e.g. `paid`, `shipment 12 left the dock`).")
    at: datetime


class OrderCarrierChanged(BaseModel):
    """An order's carrier changed before it shipped, by an ERP message or by a planner."""

    order_id: int
    external_id: str
    channel: str
    from_carrier: str = Field(alias="from", description="The carrier before (`auto`: the carrier rules choose).")
    to: str = Field(description="The carrier now.")
    at: datetime = Field(description="When it changed: an ERP message's `at`, else the request's time.")
    actor: str = Field(description="Who changed it: the ERP's token or the planner's.")


class OrderProblemFlagged(BaseModel):
    """An order needs a person: it stays where it is until the problem is resolved."""

    order_id: int
    external_id: str
    channel: str
    code: str = Field(description="unclear_address, buyer_message, seller_remark, out_of_stock or short_pick.")
    detail: str


class ReturnedLine(BaseModel):
    sku: str
    lot: str
    quantity: int
    disposition: str = Field(description="restock, quarantine or write_off.")
    location: str | None = None
    reason: str | None = None


class OrderReturnReceived(BaseModel):
    """Goods a customer sent back were received; the order is `refunding`, or `refunded` once all is back."""

    order_id: int
    external_id: str
    channel: str
    return_id: int
    lines: list[ReturnedLine]


class PickListShortPick(BaseModel):
    """A picker found fewer units at a stop than planned."""

    pick_list_id: int
    stop_id: int
    order_id: int
    shipment_id: int
    location: str
    sku: str
    missing: int = Field(description="Units not found at the stop.")
    reason: str = Field(description="not_found, damaged or expired.")
    found_elsewhere: int = Field(description="Of the missing units, those re-allocated to new stops.")
    backordered: int = Field(description="Of the missing units, those no stock could cover (the order waits).")


class ShipmentPacked(BaseModel):
    """A shipment was verified by scan and closed into labelled parcels."""

    shipment_id: int
    carrier: str
    parcels: int


class ShippedOrder(BaseModel):
    id: int
    external_id: str
    channel: str


class ShippedLine(BaseModel):
    sku: str
    lot: str
    quantity: int


class ShipmentShipped(BaseModel):
    """A shipment left the dock: what left, for which orders, with which tracking numbers."""

    shipment_id: int
    carrier: str
    shipped_at: datetime
    orders: list[ShippedOrder]
    tracking_numbers: list[str]
    lines: list[ShippedLine]


class ReplenishmentCreated(BaseModel):
    """A pick face fell below its minimum; a task to refill it was opened."""

    task_id: int
    location: str = Field(description="The pick face to refill.")
    item_id: int = Field(description="The item's internal id.")
    quantity: int


@dataclass(frozen=True)
class EventType:
    name: str
    payload: type[BaseModel]

    @property
    def summary(self) -> str:
        return (self.payload.__doc__ or self.name).strip().split("\n")[0]

    @cached_property
    def envelope(self) -> type[EventEnvelope]:
        """The envelope with this type's name and payload (``OrderStatusChangedEvent``)."""
        name: Any = Literal[self.name]  # a type built at run time: Any to mypy
        return create_model(
            f"{self.payload.__name__}Event",
            __base__=EventEnvelope,
            __doc__=f"The `{self.name}` event. {self.summary}",
            type=(name, Field(description="The event type.")),
            payload=(self.payload, ...),
        )


EVENT_TYPES: dict[str, EventType] = {
    e.name: e
    for e in (
        EventType("order.status_changed", OrderStatusChanged),
        EventType("order.carrier_changed", OrderCarrierChanged),
        EventType("order.problem_flagged", OrderProblemFlagged),
        EventType("order.return_received", OrderReturnReceived),
        EventType("pick_list.short_pick", PickListShortPick),
        EventType("shipment.packed", ShipmentPacked),
        EventType("shipment.shipped", ShipmentShipped),
        EventType("replenishment.created", ReplenishmentCreated),
    )
}
