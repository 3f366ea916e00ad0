"""What handhelds send: claims, scan confirmations, short picks, cart drop-offs."""

from __future__ import annotations

from typing import Annotated, Literal

from wms.commands import Command, Quantity
from wms.fields import MAX_ID, LocationCode, LotCode, Scanned, WarehouseCode, integer

ShortReason = Literal["not_found", "damaged", "expired"]
StopId = Annotated[int, integer(ge=1, le=MAX_ID)]


class Claim(Command):
    warehouse: WarehouseCode


class Scan(Command):
    """What the picker scanned at a stop; ``stop_id`` pins the stop when one location serves several."""

    location: LocationCode
    sku: Scanned
    lot: LotCode | None = None
    stop_id: StopId | None = None


class Confirm(Scan):
    lot: LotCode
    quantity: Quantity
    reason: ShortReason | None = None


class ShortPick(Scan):
    """Nothing of the stop could be picked."""

    reason: ShortReason


class Deliver(Command):
    location: LocationCode = "PACKING"
