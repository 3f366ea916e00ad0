"""Voiding parcels: a packed shipment whose order changed or left on the floor goes back to packing.

The orders context says when, by domain events (``wms.orders.events``) that ``wms.wiring`` routes here.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from wms.allocation.floor import back_to_packing
from wms.orders.events import OrderLeavingFloor, OrderNeedsNewLabel
from wms.shipping.orm import Parcel


def void_parcels(s: Session, event: OrderLeavingFloor | OrderNeedsNewLabel) -> None:
    """Each packed shipment of the event goes back to ``picked``: its parcels (and labels) are void, to be
    packed again."""
    voided = back_to_packing(s, event.shipment_ids)
    if voided:
        s.execute(delete(Parcel).where(Parcel.shipment_id.in_(voided)))
    s.flush()
