"""Shipping at the dock: a packed shipment leaves the warehouse, its orders move on, the ERP hears of it.

The shipment's stock is taken off the SHIPPING location in the ledger
(``shipped``); its allocations stay as the record of which lots went to whom.
An order becomes ``shipped`` once all of it has left: every live shipment of it
shipped and nothing backordered.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.allocation import shipments
from wms.allocation.queries import has_unshipped_shipment, locked_shipment
from wms.allocation.transfer import shipment_allocations, take_out
from wms.db import UnitOfWork
from wms.errors import Conflict
from wms.events.outbox import record
from wms.orders import workflow as wf
from wms.orders.queries import has_backorder
from wms.shipping.orm import Parcel
from wms.shipping.packing import contents


def ship(shipment_id: int, uow: UnitOfWork, actor: str) -> None:
    def work(uow: UnitOfWork) -> None:
        s = uow.session
        orders = wf.lock_shipment_orders(s, shipment_id)  # orders before their shipment (orders → … → stock)
        shipment = locked_shipment(s, shipment_id)
        if shipment.status != "packed":
            raise Conflict(
                f"shipment {shipment.id} is {shipment.status}; only a packed shipment ships",
                code="shipment_already_shipped" if shipment.status == "shipped" else "shipment_not_packed",
            )
        lines = contents(s, shipment.id)
        take_out(
            s,
            shipment_allocations(s, shipment.id),
            warehouse_id=shipment.warehouse_id,
            kind="shipment",
            reason="shipped",
            reference=f"SHIPMENT-{shipment.id}",
            actor=actor,
        )
        shipments.transition(s, shipment, "shipped", "left the dock", actor)
        s.flush()
        shipped_at = shipment.shipped_at
        assert shipped_at is not None  # set by the transition to shipped
        for order in orders:
            if order.status == "allocated" and _all_shipped(s, order.id):
                wf.transition(s, order, "shipped", f"shipment {shipment.id} left the dock", actor)
        record(
            s,
            "shipment.shipped",
            {
                "shipment_id": shipment.id,
                "carrier": shipment.carrier,
                "shipped_at": shipped_at.isoformat(),
                "orders": [{"id": o.id, "external_id": o.external_id, "channel": o.channel} for o in orders],
                "tracking_numbers": list(
                    s.scalars(
                        select(Parcel.tracking_number).where(Parcel.shipment_id == shipment.id).order_by(Parcel.seq)
                    )
                ),
                "lines": [{"sku": sku, "lot": lot, "quantity": q} for (sku, lot), q in sorted(lines.items())],
            },
        )

    uow.run(work)


def _all_shipped(s: Session, order_id: int) -> bool:
    """All of the order has left: none of its shipments waits and nothing of it is backordered."""
    unshipped = has_unshipped_shipment(s, order_id)
    backordered = has_backorder(s, order_id)
    return not unshipped and not backordered
