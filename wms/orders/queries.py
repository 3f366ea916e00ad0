"""Read side of orders within the context: an order and its problems as rows, the carriers, address, held
problems and backorders that packing and the dock ask about, ERP messages waiting for their order. The order with its shipments, allocations and
warehouses, and the lists filtered by warehouse, join other contexts' tables: ``wms.views.orders``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from wms.allocation.queries import order_ids_in_shipment
from wms.db import IN_CHUNK, core
from wms.orders.orm import Order, OrderProblem, PendingOrderMessage
from wms.orders.review import Urgency

Row = dict[str, Any]


def problem_row(p: OrderProblem) -> Row:
    return {
        "id": p.id,
        "code": p.code,
        "detail": p.detail,
        "due_at": p.due_at,
        "created_at": p.created_at,
        "resolved_at": p.resolved_at,
        "resolved_by": p.resolved_by,
        "resolution": p.resolution,
    }


def summary(order: Order, problems: list[str]) -> Row:
    return {
        "id": order.id,
        "external_id": order.external_id,
        "channel": order.channel,
        "customer_id": order.customer_id,
        "status": order.status,
        "paid": order.paid,
        "promised_ship_by": order.promised_ship_by,
        "ship_by": order.ship_by,
        "carrier": order.carrier,
        "line_count": order.line_count,
        "unit_count": order.unit_count,
        "problems": problems,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def carriers_in_shipment(s: Session, shipment_id: int) -> dict[int, str]:
    """Order id → the carrier it asks for, for each order with lines in the shipment."""
    return dict(
        s.execute(
            select(Order.id, Order.carrier).where(Order.id.in_(order_ids_in_shipment(shipment_id))).order_by(Order.id)
        ).all()
    )


@dataclass(frozen=True)
class PackedOrder:
    """An order of a shipment as packing asks about it: the carrier it asks for, its address, and the detail
    of an open ``unclear_address`` problem (``held``: whether there is one)."""

    id: int
    carrier: str
    ship_to: dict[str, Any]
    held: bool
    held_detail: str | None


def orders_to_pack(s: Session, shipment_id: int) -> list[PackedOrder]:
    """The orders with lines in the shipment, by id, as packing asks about them: one statement."""
    return [PackedOrder(*r) for r in core(s).execute(_TO_PACK, {"shipment_id": shipment_id})]


_UNCLEAR = select(OrderProblem.detail).where(
    OrderProblem.order_id == Order.id, OrderProblem.code == "unclear_address", OrderProblem.resolved_at.is_(None)
)
_TO_PACK = (  # built once: every pack asks it
    select(
        Order.id,
        Order.carrier,
        Order.ship_to,
        _UNCLEAR.exists().label("held"),
        _UNCLEAR.limit(1).scalar_subquery().label("held_detail"),
    )
    .where(Order.id.in_(order_ids_in_shipment(bindparam("shipment_id"))))
    .order_by(Order.id)
)


def pending_messages(
    s: Session, *, channel: str | None, external_id: str | None, after_id: int, limit: int
) -> list[tuple[int, Row]]:
    """ERP messages kept until their order arrives, oldest first."""
    stmt = (
        select(PendingOrderMessage)
        .where(PendingOrderMessage.id > after_id)
        .order_by(PendingOrderMessage.id)
        .limit(limit + 1)
    )
    for column, value in ((PendingOrderMessage.channel, channel), (PendingOrderMessage.external_id, external_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return [
        (
            m.id,
            {
                "id": m.id,
                "status": "pending",
                "channel": m.channel,
                "external_id": m.external_id,
                "type": m.message["type"],
                "at": m.message["at"],
                "received_at": m.received_at,
            },
        )
        for m in s.scalars(stmt)
    ]


def promised_ship_date(s: Session, order_id: int) -> date:
    """The day the order is promised to ship by."""
    return s.get_one(Order, order_id).promised_ship_by.date()


def urgencies(s: Session, order_ids: Iterable[int] | Select[int], *, status: str | None = None) -> dict[int, Urgency]:
    """Order id → its urgency for ``order_ids`` (ids or a query); with ``status``, only the orders in it."""
    if isinstance(order_ids, Select):
        return _urgencies(s, order_ids, status)
    ids = sorted(set(order_ids))
    return {k: v for i in range(0, len(ids), IN_CHUNK) for k, v in _urgencies(s, ids[i : i + IN_CHUNK], status).items()}


def _urgencies(s: Session, ids: list[int] | Select[int], status: str | None) -> dict[int, Urgency]:
    stmt = select(Order.id, Order.ship_by, Order.promised_ship_by, Order.created_at, Order.line_count).where(
        Order.id.in_(ids)
    )
    if status is not None:
        stmt = stmt.where(Order.status == status)
    return {r.id: Urgency(*r) for r in s.execute(stmt)}
