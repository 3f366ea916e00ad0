"""Taking an order off the floor before it ships (cancel or refund while it is being picked or packed).

Open stops of the order are cancelled; what was already picked stays where
it is (on the cart, at packing or at the dock) but is no longer reserved, and
shows there as available stock to put away. A packed shipment that keeps
other orders' lines goes back to ``picked`` with its parcels voided, to be
packed again without the withdrawn items.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from wms.allocation.orm import Shipment, ShipmentLine
from wms.picking.handheld import mark_picked_if_complete
from wms.picking.orm import PickList, PickListStop
from wms.shipping.orm import Parcel

IN_PROGRESS = ("released", "picked", "packed")


def withdraw_from_floor(s: Session, order_id: int) -> list[int]:
    """Detach the order's stops and parcels; returns the shipments it was in that are on the floor."""
    shipments = floor_shipments(s, order_id)
    if not shipments:
        return []
    lists = sorted(
        set(
            s.scalars(
                select(PickListStop.pick_list_id).where(
                    PickListStop.order_id == order_id, PickListStop.status == "open"
                )
            )
        )
    )
    s.execute(
        update(PickListStop)
        .where(PickListStop.order_id == order_id, PickListStop.status == "open")
        .values(status="cancelled", allocation_id=None)
    )
    s.execute(update(PickListStop).where(PickListStop.order_id == order_id).values(allocation_id=None))
    for pl in s.scalars(select(PickList).where(PickList.id.in_(lists))):
        if (
            s.scalar(
                select(PickListStop.id)
                .where(PickListStop.pick_list_id == pl.id, PickListStop.status == "open")
                .limit(1)
            )
            is None
        ):
            pl.status = {"claimed": "picked", "open": "cancelled"}.get(pl.status, pl.status)
    for shipment in shipments:
        void_parcels(s, shipment)
    s.flush()
    return [sh.id for sh in shipments]


def floor_shipments(s: Session, order_id: int, *, lock: bool = False) -> list[Shipment]:
    """The order's shipments that are being picked or packed (``lock``: rows locked, so a packer
    cannot close one while the caller changes it)."""
    stmt = (
        select(Shipment)
        .where(
            Shipment.status.in_(IN_PROGRESS),
            Shipment.id.in_(select(ShipmentLine.shipment_id).where(ShipmentLine.order_id == order_id)),
        )
        .order_by(Shipment.id)
    )
    return list(s.scalars(stmt.with_for_update() if lock else stmt))


def void_parcels(s: Session, shipment: Shipment) -> None:
    """A packed shipment goes back to ``picked``: its parcels (and labels) are void, to be packed again."""
    if shipment.status == "packed":
        s.execute(delete(Parcel).where(Parcel.shipment_id == shipment.id))
        shipment.status, shipment.packed_at = "picked", None


def settle(s: Session, shipment_ids: list[int]) -> None:
    """After the order's lines are gone: a released shipment whose other stops are all done is picked."""
    for shipment_id in shipment_ids:
        mark_picked_if_complete(s, shipment_id)
