"""Orders waiting for stock get it when it arrives.

After stock of some SKUs arrives (a receipt, a putaway move, a restocked
return), every ``ready`` order with those SKUs backordered is allocated again,
the most urgent first (``review.priority_key``: earliest ship-by, then first
come, then fewer lines), one transaction each, after the response that brought
the stock has gone out. An order allocated in full closes its ``out_of_stock``
problem and goes on to waves; one still short stays flagged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select

from wms.db import UnitOfWork
from wms.errors import DomainError
from wms.inventory.repository import item_ids
from wms.orders import workflow as wf
from wms.orders.orm import Order, OrderLine
from wms.orders.review import Urgency, priority_key

log = logging.getLogger(__name__)


def retry_backorders(skus: Sequence[str], uow: UnitOfWork, policy: wf.Policy, actor: str) -> list[int]:
    """The orders now allocated in full."""
    waiting = uow.run(
        lambda u: [
            Urgency(*r)
            for r in u.session.execute(
                select(Order.id, Order.ship_by, Order.promised_ship_by, Order.created_at, Order.line_count)
                .join(OrderLine, OrderLine.order_id == Order.id)
                .where(
                    Order.status == "ready", OrderLine.backordered > 0, OrderLine.item_id.in_(item_ids(u.session, skus))
                )
                .distinct()
            )
        ],
        read_only=True,
    )
    allocated = []
    for order_id in [u.id for u in sorted(waiting, key=priority_key)]:

        def work(u: UnitOfWork, oid: int = order_id) -> bool:
            order = u.session.scalars(select(Order).where(Order.id == oid).with_for_update()).first()
            if order is None or order.status != "ready":
                return False
            wf.advance(u.session, order, policy, actor)
            return order.status == "allocated"

        try:
            if uow.run(work):
                allocated.append(order_id)
        except DomainError:  # e.g. stock taken meanwhile: the order stays flagged, a planner can retry it
            log.exception("allocating waiting order %s again failed", order_id)
    return allocated
