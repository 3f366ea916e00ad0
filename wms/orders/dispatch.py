"""Orders at the dock: the orders of shipments about to leave, locked, and moved to ``shipped`` once all of
each has left, set-based (``wms.shipping.dock`` ships one shipment or a truckload in the same statements).

What ``workflow.transition`` does for one order, for many: each change checked by the lifecycle rules, one
UPDATE, one insert of their history rows and an ``order.status_changed`` event each, in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from wms.allocation.queries import order_shipment_pairs, unshipped_shipment_exists
from wms.bulk import insert_rows
from wms.events.outbox import record
from wms.orders.lifecycle import check_transition
from wms.orders.orm import Order, OrderLine, OrderTransition
from wms.orders.workflow import Named, status_changed
from wms.orm import utcnow


@dataclass(frozen=True)
class DockOrder(Named):
    """An order of a shipment at the dock, locked, as it was when locked."""

    status: str


def lock_orders_of(session: Session, shipment_ids: Sequence[int]) -> dict[int, list[DockOrder]]:
    """Shipment id → the orders with lines in it (id order), all of them locked FOR UPDATE in id order in
    one statement: orders before their shipments (``wms.inventory.stock``)."""
    pairs = order_shipment_pairs(shipment_ids)
    rows = session.execute(
        select(Order.id, Order.external_id, Order.channel, Order.status, pairs.c.shipment_id)
        .join(pairs, pairs.c.order_id == Order.id)
        .order_by(Order.id, pairs.c.shipment_id)
        .with_for_update(of=Order)
    )
    found: dict[int, list[DockOrder]] = {sid: [] for sid in shipment_ids}
    for r in rows:
        found[r.shipment_id].append(DockOrder(r.id, r.external_id, r.channel, r.status))
    return found


def all_left(session: Session, order_ids: Sequence[int]) -> set[int]:
    """The orders among ``order_ids`` that have wholly left: no shipment of theirs waits (shipped or
    cancelled, as this transaction now has them) and nothing of them is backordered."""
    if not order_ids:
        return set()
    backordered = exists().where(OrderLine.order_id == Order.id, OrderLine.backordered > 0)
    return set(
        session.scalars(
            select(Order.id).where(
                Order.id.in_(sorted(set(order_ids))), ~unshipped_shipment_exists(Order.id), ~backordered
            )
        )
    )


def ship_orders(session: Session, moves: Sequence[tuple[DockOrder, str]], actor: str) -> dict[int, dict[str, Any]]:
    """Each (order, cause) becomes ``shipped``: one UPDATE and its history rows. Returns each order's
    ``order.status_changed`` payload, for the caller to ``announce`` where its shipment's events go."""
    if not moves:
        return {}
    for order, _ in moves:
        check_transition(order.status, "shipped")
    now = utcnow()
    session.execute(
        update(Order)
        .where(Order.id.in_([o.id for o, _ in moves]))
        .values(status="shipped", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    insert_rows(
        session,
        OrderTransition.__table__,
        [
            {"order_id": o.id, "from_status": o.status, "to_status": "shipped", "cause": c, "actor": actor, "at": now}
            for o, c in moves
        ],
    )
    return {o.id: status_changed(o, o.status, "shipped", cause, now) for o, cause in moves}


def announce(session: Session, payload: dict[str, Any]) -> None:
    """The ``order.status_changed`` event of a change ``ship_orders`` made."""
    record(session, "order.status_changed", payload)
