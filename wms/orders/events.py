"""What the orders context tells the contexts above it (picking, shipping) while an order changes on the floor.

Published in the transaction of the change (``wms.events.domain``); each names the order and its shipments
that are on the floor (released into a wave, picked or packed), locked by the publisher.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OrderLeavingFloor:
    """The order is cancelled or refunded while being picked or packed; its reservations are released next.
    Its open stops are to be cancelled and the parcels of its packed shipments voided."""

    order_id: int
    shipment_ids: tuple[int, ...]


@dataclass(frozen=True)
class OrderLeftFloor:
    """The order's lines are gone from its shipments: one whose remaining stops are all done is picked."""

    order_id: int
    shipment_ids: tuple[int, ...]


@dataclass(frozen=True)
class OrderNeedsNewLabel:
    """The order's address or carrier changed on the floor: its packed shipments' parcels are void and go back
    to packing, to be labelled again."""

    order_id: int
    shipment_ids: tuple[int, ...]
