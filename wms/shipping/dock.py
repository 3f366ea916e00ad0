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
from wms.allocation.orm import Shipment, ShipmentLine
from wms.allocation.transfer import shipment_allocations, take_out
from wms.db import UnitOfWork
from wms.errors import Conflict
from wms.events.outbox import record
from wms.orders import workflow as wf
from wms.orders.orm import Order, OrderLine
from wms.shipping.orm import Parcel
from wms.shipping.packing import contents, locked_shipment


def ship(shipment_id: int, uow: UnitOfWork, actor: str) -> None:
    def work(uow: UnitOfWork) -> None:
        s = uow.session
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
        orders = list(
            s.scalars(
                select(Order)
                .where(Order.id.in_(select(ShipmentLine.order_id).where(ShipmentLine.shipment_id == shipment.id)))
                .order_by(Order.id)
                .with_for_update()
            )
        )
        shipped_at = shipment.shipped_at
        assert shipped_at is not None  # set by the transition to shipped
        for order in orders:
            if order.status == "allocated" and _all_shipped(s, order):
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


def _all_shipped(s: Session, order: Order) -> bool:
    open_shipments = s.scalar(
        select(Shipment.id)
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(ShipmentLine.order_id == order.id, Shipment.status.not_in(("shipped", "cancelled")))
        .limit(1)
    )
    backordered = s.scalar(
        select(OrderLine.id).where(OrderLine.order_id == order.id, OrderLine.backordered > 0).limit(1)
    )
    return open_shipments is None and backordered is None
