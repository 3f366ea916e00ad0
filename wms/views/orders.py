"""Orders as ERPs, planners and the warehouse scope see them: the order with its shipments and their
allocations (where, which lot), the warehouses an order belongs to, lists of orders and of problems
filtered by warehouse."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, exists, select
from sqlalchemy.orm import Session

from wms.allocation.orm import Allocation, Shipment, ShipmentLine
from wms.batches.orm import Lot
from wms.errors import NotFound
from wms.inventory.orm import Item, Location, Stock, Warehouse
from wms.orders.orm import Order, OrderLine, OrderProblem, OrderTransition
from wms.orders.queries import Row, problem_row, summary


def _live_shipment_lines(order_id: Any) -> tuple[ColumnElement[bool], ...]:
    """The order's lines in shipments that are not cancelled, joined to their warehouse."""
    return (
        ShipmentLine.order_id == order_id,
        Shipment.id == ShipmentLine.shipment_id,
        Shipment.status != "cancelled",
        Warehouse.id == Shipment.warehouse_id,
    )


def held_in(warehouse: str) -> ColumnElement[bool]:
    """SQL, true for an order that belongs to ``warehouse``: one of its live (not cancelled) shipments is
    there. This is what "an order of a warehouse" means everywhere (the ``warehouse`` filters and the
    warehouse scope of tokens); an order without a live shipment (not reviewed, unpaid, wholly
    backordered, cancelled before shipping) belongs to no warehouse."""
    return exists().where(*_live_shipment_lines(Order.id), Warehouse.code == warehouse)


def order_warehouses(s: Session, order_id: int) -> frozenset[str]:
    """The warehouses the order belongs to (see ``held_in``), empty for none; 404 for an unknown order."""
    if s.get(Order, order_id) is None:
        raise NotFound(f"order {order_id} not found", code="order_not_found")
    return frozenset(s.scalars(select(Warehouse.code).where(*_live_shipment_lines(order_id)).distinct()))


def order_detail(s: Session, order_id: int, warehouse: str | None = None) -> Row:
    """The order; with ``warehouse`` (a token limited to it) only its shipments in that warehouse."""
    order = s.get(Order, order_id)
    if order is None:
        raise NotFound(f"order {order_id} not found", code="order_not_found")
    this = {"order_id": order.id}
    problems = list(s.scalars(_PROBLEMS, this))
    lines = s.execute(_LINES, this).all()
    shipments = shipments_of(s, order.id)
    allocated: dict[int, int] = defaultdict(int)
    for sh in shipments:
        for ln in sh["lines"]:
            allocated[ln["order_line_id"]] += ln["quantity"]
    history = s.scalars(_HISTORY, this).all()
    return {
        **summary(order, [p.code for p in problems if p.resolved_at is None]),
        "ship_to": order.ship_to,
        "paid_at": order.paid_at,
        "payment_reminder_at": order.payment_reminder_at,
        "buyer_message": order.buyer_message,
        "seller_remark": order.seller_remark,
        "lines": [
            {
                "line_no": ln.line_no,
                "sku": sku,
                "quantity": ln.quantity,
                "allocated": allocated[ln.id],
                "backordered": ln.backordered,
            }
            for ln, sku in lines
        ],
        "shipments": [
            {k: v for k, v in sh.items() if k != "lines"}
            | {"lines": [{k: v for k, v in ln.items() if k != "order_line_id"} for ln in sh["lines"]]}
            for sh in shipments
            if warehouse is None or sh["warehouse"] == warehouse
        ],
        "problem_list": [problem_row(p) for p in problems],
        "history": [
            {"from_status": t.from_status, "to_status": t.to_status, "cause": t.cause, "actor": t.actor, "at": t.at}
            for t in history
        ],
    }


def shipments_of(s: Session, order_id: int) -> list[Row]:
    """The order's live shipments with this order's lines and their allocations."""
    rows = s.execute(_SHIPMENT_LINES, {"order_id": order_id}).all()
    allocs: dict[int, list[Row]] = defaultdict(list)
    orders: dict[int, list[int]] = defaultdict(list)
    if rows:
        for a in s.execute(_ALLOCATIONS, {"lines": [r.sl_id for r in rows]}):
            allocs[a.shipment_line_id].append(
                {"location": a.code, "lot": a.lot, "expiry_date": a.expiry_date, "quantity": a.quantity}
            )
        for shipment_id, other in s.execute(_ORDERS_IN, {"shipments": sorted({r.id for r in rows})}):
            orders[shipment_id].append(other)  # each (shipment, order) once: the read is DISTINCT
    shipments: dict[int, Row] = {}
    for r in rows:
        sh = shipments.setdefault(
            r.id, {"id": r.id, "warehouse": r.code, "status": r.status, "lines": [], "orders": sorted(orders[r.id])}
        )
        sh["lines"].append(
            {"order_line_id": r.order_line_id, "sku": r.sku, "quantity": r.quantity, "allocations": allocs[r.sl_id]}
        )
    return list(shipments.values())


# built once (every order's answer reads them): only the parameters change
_ORDER: BindParameter[int] = bindparam("order_id")
_PROBLEMS = select(OrderProblem).where(OrderProblem.order_id == _ORDER).order_by(OrderProblem.id)
_LINES = (
    select(OrderLine, Item.sku)
    .join(Item, Item.id == OrderLine.item_id)
    .where(OrderLine.order_id == _ORDER)
    .order_by(OrderLine.line_no)
)
_HISTORY = select(OrderTransition).where(OrderTransition.order_id == _ORDER).order_by(OrderTransition.id)
_SHIPMENT_LINES = (
    select(
        Shipment.id,
        Shipment.status,
        Warehouse.code,
        ShipmentLine.id.label("sl_id"),
        ShipmentLine.order_line_id,
        ShipmentLine.quantity,
        Item.sku,
    )
    .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
    .join(Warehouse, Warehouse.id == Shipment.warehouse_id)
    .join(Item, Item.id == ShipmentLine.item_id)
    .where(ShipmentLine.order_id == _ORDER, Shipment.status != "cancelled")
    .order_by(Shipment.id, ShipmentLine.id)
)
_ALLOCATIONS = (
    select(Allocation.shipment_line_id, Location.code, Lot.code.label("lot"), Lot.expiry_date, Allocation.quantity)
    .join(Stock, Stock.id == Allocation.stock_id)
    .join(Location, Location.id == Stock.location_id)
    .join(Lot, Lot.id == Stock.lot_id)
    .where(Allocation.shipment_line_id.in_(bindparam("lines", expanding=True)))
    .order_by(Allocation.id)
)
_ORDERS_IN = (  # the orders each shipment holds (merged orders share one)
    select(ShipmentLine.shipment_id, ShipmentLine.order_id)
    .where(ShipmentLine.shipment_id.in_(bindparam("shipments", expanding=True)))
    .distinct()
)


def list_orders(
    s: Session,
    *,
    status: str | None,
    channel: str | None,
    external_id: str | None,
    customer_id: str | None,
    warehouse: str | None,
    problem: str | None,
    after_id: int,
    limit: int,
) -> list[tuple[int, Row]]:
    stmt: Select[Any] = select(Order).where(Order.id > after_id).order_by(Order.id).limit(limit + 1)
    for column, value in (
        (Order.status, status),
        (Order.channel, channel),
        (Order.external_id, external_id),
        (Order.customer_id, customer_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if warehouse is not None:
        stmt = stmt.where(held_in(warehouse))
    if problem is not None:
        stmt = stmt.where(
            exists().where(
                OrderProblem.order_id == Order.id, OrderProblem.resolved_at.is_(None), OrderProblem.code == problem
            )
        )
    orders = s.scalars(stmt).all()
    open_codes: dict[int, list[str]] = defaultdict(list)
    if orders:
        for oid, code in s.execute(
            select(OrderProblem.order_id, OrderProblem.code).where(
                OrderProblem.order_id.in_([o.id for o in orders]), OrderProblem.resolved_at.is_(None)
            )
        ):
            open_codes[oid].append(code)
    return [(o.id, summary(o, open_codes[o.id])) for o in orders]


def problem_list(
    s: Session, *, code: str | None, open_only: bool, warehouse: str | None, after_id: int, limit: int
) -> list[tuple[int, Row]]:
    """Order problems, oldest first, with their order; ``warehouse``: of orders that belong to it."""
    stmt = (
        select(OrderProblem, Order)
        .join(Order, Order.id == OrderProblem.order_id)
        .where(OrderProblem.id > after_id)
        .order_by(OrderProblem.id)
        .limit(limit + 1)
    )
    if code is not None:
        stmt = stmt.where(OrderProblem.code == code)
    if open_only:
        stmt = stmt.where(OrderProblem.resolved_at.is_(None))
    if warehouse is not None:
        stmt = stmt.where(held_in(warehouse))
    return [
        (
            p.id,
            {
                **problem_row(p),
                "order_id": o.id,
                "external_id": o.external_id,
                "channel": o.channel,
                "order_status": o.status,
            },
        )
        for p, o in s.execute(stmt).all()
    ]
