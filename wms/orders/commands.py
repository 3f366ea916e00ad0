"""Commands of the orders context (also the API's request bodies)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

from wms.commands import Command, Quantity
from wms.fields import TEXT, Carrier, Channel, ExternalId, Line, Note, Sku, Timestamp, cross_field_error
from wms.orders.addresses import normalised_country

# An unknown country is kept as sent: review makes the order a problem order.
Country = Annotated[
    StrictStr,
    Field(
        max_length=100,
        pattern=TEXT,
        description=("ISO 3166-1 alpha-2 or alpha-3 code or English name; stored as the alpha-2 code"),
    ),
    AfterValidator(normalised_country),
]


class Address(BaseModel):
    """All five parts must be present; an empty or odd one makes the order a problem order, not a 4xx
    (only absurd input, such as a part too long or not a string, is refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Line
    line1: Line
    line2: Line | None = None
    city: Line
    region: Line | None = None
    postcode: Annotated[StrictStr, Field(max_length=20, pattern=TEXT)]
    country: Country
    phone: Annotated[StrictStr, Field(max_length=40, pattern=TEXT)] | None = None


class OrderLineIn(Command):
    sku: Sku
    quantity: Quantity


class PushOrder(Command):
    external_id: ExternalId
    channel: Channel
    customer_id: ExternalId
    ship_to: Address
    paid: StrictBool
    paid_at: Timestamp | None = None
    promised_ship_by: Timestamp
    carrier: Carrier
    buyer_message: Note | None = None
    seller_remark: Note | None = None
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=500)]


MAX_BULK_ORDERS = 10_000  # orders of one bulk push (above WMS_BULK_SYNC_MAX_ORDERS, taken as a job)


class BulkPush(Command):
    orders: Annotated[list[dict[str, object]], Field(min_length=1, max_length=MAX_BULK_ORDERS)]


class OrderMessage(Command):
    """An update from the ERP, addressed by (channel, external_id); may arrive before the order."""

    channel: Channel
    external_id: ExternalId
    type: Literal["payment", "address", "cancel", "refund", "carrier"]
    at: Timestamp = Field(description="When the ERP produced the message; orders address and carrier changes.")
    ship_to: Address | None = None
    carrier: Carrier | None = Field(None, description="The new carrier (type carrier only).")
    reason: Note | None = None

    @model_validator(mode="after")
    def _carrier_goes_with_its_type(self) -> OrderMessage:
        if (self.type == "carrier") != (self.carrier is not None):
            raise cross_field_error(
                "carrier_message", "a carrier message needs carrier, and only a carrier message has one"
            )
        return self


class ChangeCarrier(Command):
    carrier: Carrier


class ResolveProblem(Command):
    resolution: Annotated[Note, Field(min_length=1, max_length=500)]


class Cancel(Command):
    reason: Note | None = None
