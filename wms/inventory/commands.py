"""Commands of the inventory context: what a caller asks for, validated.

They double as the API's request bodies: unknown fields are refused, a
quantity is a strictly positive integer (no strings, floats or booleans),
strings and times are the types of ``wms.fields`` (their characters stated as
patterns in the OpenAPI document).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from wms.commands import Command, PositiveNumber, Quantity
from wms.fields import (
    Barcode,
    Day,
    LocationCode,
    LotCode,
    Name,
    Number,
    Reference,
    Sku,
    WarehouseCode,
    cross_field_error,
    integer,
)
from wms.inventory.layout import Layout

ADJUSTMENT_REASONS: dict[str, int] = {
    # reason: required sign of the delta (0 = either)
    "damaged": -1,
    "expired": -1,
    "lost": -1,
    "theft": -1,
    "sample": -1,
    "found": +1,
    "correction": 0,
}
AdjustmentReason = Literal["damaged", "expired", "lost", "theft", "sample", "found", "correction"]


class LayoutIn(Command):
    aisles: Annotated[int, integer(ge=1, le=999)]
    aisle_pitch_m: PositiveNumber
    blocks: Annotated[int, integer(ge=1, le=50)]
    bays_per_block: Annotated[int, integer(ge=1, le=9999)]
    bay_width_m: PositiveNumber
    cross_aisle_width_m: Annotated[Number, Field(ge=0, le=1e6)]
    levels: Annotated[int, integer(ge=1, le=99)]
    depot_x_m: Annotated[Number, Field(ge=0, le=1e9)] = 0.0

    @model_validator(mode="after")
    def _depot_on_front_cross_aisle(self) -> LayoutIn:
        try:
            self.to_layout()
        except ValueError as exc:  # the field bounds hold, so only the depot can be off the layout
            raise cross_field_error("depot_off_layout", str(exc)) from exc
        return self

    def to_layout(self) -> Layout:
        return Layout(**self.model_dump())


class CreateWarehouse(Command):
    code: WarehouseCode
    name: Name
    layout: LayoutIn


class CreateItem(Command):
    sku: Sku
    name: Name
    min_shelf_life_days: Annotated[int, integer(ge=0, le=36500)] = 0
    unit_volume_l: PositiveNumber | None = None
    unit_weight_kg: PositiveNumber | None = None
    barcode: Barcode | None = Field(
        None,
        description="EAN/UPC or another code on the item (letters, digits, `-`, "
        "`_`, `.`, `/`, inner spaces); handhelds may scan it "
        "instead of the SKU.",
    )


class ReceiptLine(Command):
    sku: Sku
    lot: LotCode
    expiry_date: Day | None
    quantity: Quantity
    location: LocationCode


class Receive(Command):
    warehouse: WarehouseCode
    reference: Reference
    lines: Annotated[list[ReceiptLine], Field(min_length=1, max_length=1000)]


class Move(Command):
    warehouse: WarehouseCode
    sku: Sku
    lot: LotCode
    quantity: Quantity
    from_location: LocationCode
    to_location: LocationCode
    reference: Reference | None = None

    @model_validator(mode="after")
    def _different_locations(self) -> Move:
        if self.from_location == self.to_location:
            raise cross_field_error("same_location", "from_location and to_location must differ")
        return self


def _non_zero(delta: int) -> int:
    if delta == 0:
        raise PydanticCustomError("not_zero", "delta must not be zero")
    return delta


class Adjust(Command):
    warehouse: WarehouseCode
    location: LocationCode
    sku: Sku
    lot: LotCode
    delta: Annotated[
        Annotated[int, integer(ge=-1_000_000_000, le=1_000_000_000)],
        Field(description="Non-zero change of on hand.", json_schema_extra={"not": {"const": 0}}),
        AfterValidator(_non_zero),
    ]
    reason: AdjustmentReason
    reference: Reference | None = None

    @model_validator(mode="after")
    def _sign_fits_reason(self) -> Adjust:
        sign = ADJUSTMENT_REASONS[self.reason]
        if sign and (self.delta > 0) != (sign > 0):
            raise cross_field_error(
                "reason_sign", f"reason {self.reason} needs a {'positive' if sign > 0 else 'negative'} delta"
            )
        return self


class StartCount(Command):
    warehouse: WarehouseCode
    location: LocationCode


class CountLine(Command):
    sku: Sku
    lot: LotCode
    quantity: Annotated[int, integer(ge=0, le=1_000_000_000), Field(description="Counted units (0 allowed).")]
    expiry_date: Day | None = Field(None, description="Only for a lot the system does not know yet.")


class RecordCount(Command):
    lines: Annotated[list[CountLine], Field(max_length=1000)]
