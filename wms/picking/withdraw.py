"""Taking an order off the floor before it ships (cancel or refund while it is being picked or packed).

Open stops of the order are cancelled; what was already picked stays where
it is (on the cart, at packing or at the dock) but is no longer reserved, and
shows there as available stock to put away (shipping voids the parcels of a
packed shipment, which is packed again without the withdrawn items). The orders
context says when, by domain events (``wms.orders.events``) that
``wms.wiring`` routes here.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wms.orders.events import OrderLeavingFloor, OrderLeftFloor
from wms.picking.handheld import mark_picked_where_complete
from wms.picking.orm import PickList, PickListStop


def withdraw_from_floor(s: Session, event: OrderLeavingFloor) -> None:
    """Cancel the order's open stops and detach every stop of it from its reservation."""
    order_id = event.order_id
    if not event.shipment_ids:
        return
    # the order's pick lists before their stops (orders → pick lists → …): a picker confirming a stop of
    # one holds it while changing its stops, and would otherwise wait on us while we wait on it
    s.execute(
        select(PickList.id)
        .where(PickList.id.in_(select(PickListStop.pick_list_id).where(PickListStop.order_id == order_id)))
        .order_by(PickList.id)
        .with_for_update()
    )
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
    s.flush()


def settle(s: Session, event: OrderLeftFloor) -> None:
    """After the order's lines are gone: a released shipment whose other stops are all done is picked."""
    mark_picked_where_complete(s, event.shipment_ids)
