"""Moving an order through its states: review, confirmation, allocation, release.

Every change goes through ``transition``, which checks it, records it with
its cause and writes an outbox event in the same transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.allocation.allocate import Demand, DemandLine, allocate_order, lock_for_reallocation
from wms.allocation.floor import floor_shipments
from wms.allocation.release import release_order
from wms.config import Settings
from wms.events.domain import publish
from wms.events.outbox import record
from wms.orders.events import OrderLeavingFloor, OrderLeftFloor
from wms.orders.lifecycle import check_transition, confirmed_status
from wms.orders.orm import Order, OrderLine, OrderProblem, OrderTransition
from wms.orders.review import Finding, is_new_problem, passes_review, review, same_day_deadline
from wms.orm import utcnow


@dataclass(frozen=True)
class Policy:
    merge: bool = True
    review_messages: bool = True
    split_time_limit_s: float = 2.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            merge=settings.merge_orders,
            review_messages=settings.review_messages,
            split_time_limit_s=settings.split_time_limit_s,
        )


def merge_key(customer_id: str, ship_to: dict[str, Any], carrier: str) -> str:
    parts = [customer_id, carrier] + [
        " ".join(str(ship_to.get(f) or "").lower().split())
        for f in ("name", "line1", "line2", "city", "postcode", "country")
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def transition(session: Session, order: Order, to: str, cause: str, actor: str) -> None:
    if order.status == to:
        return
    check_transition(order.status, to)
    _log(session, order, order.status, to, cause, actor)


def enter(session: Session, order: Order, status: str, cause: str, actor: str) -> None:
    """The first state of a new order."""
    _log(session, order, None, status, cause, actor)


def _log(session: Session, order: Order, old: str | None, new: str, cause: str, actor: str) -> None:
    now = utcnow()
    if old is not None:  # a new order was inserted in its first state already
        order.status, order.updated_at = new, now
    session.add(OrderTransition(order_id=order.id, from_status=old, to_status=new, cause=cause, actor=actor, at=now))
    record(session, "order.status_changed", status_changed(order, old, new, cause, now))


@dataclass(frozen=True)
class Named:
    """How events name an order."""

    id: int
    external_id: str
    channel: str


def status_changed(order: Named | Order, old: str | None, new: str, cause: str, at: datetime) -> dict[str, Any]:
    """The payload of ``order.status_changed``."""
    return {
        "order_id": order.id,
        "external_id": order.external_id,
        "channel": order.channel,
        "from": old,
        "to": new,
        "cause": cause,
        "at": at.isoformat(),
    }


def problem_flagged(order: Named | Order, finding: Finding) -> dict[str, Any]:
    """The payload of ``order.problem_flagged``."""
    return {
        "order_id": order.id,
        "external_id": order.external_id,
        "channel": order.channel,
        "code": finding.code,
        "detail": finding.detail,
    }


def out_of_stock(short: int) -> Finding:
    """The problem of an order left ``short`` units short by allocation."""
    return Finding("out_of_stock", f"{short} unit(s) backordered")


def open_problems(session: Session, order: Order) -> list[OrderProblem]:
    return list(
        session.scalars(
            select(OrderProblem)
            .where(OrderProblem.order_id == order.id, OrderProblem.resolved_at.is_(None))
            .order_by(OrderProblem.id)
        )
    )


def flag(session: Session, order: Order, finding: Finding) -> None:
    """Open a problem unless one of that code is open already."""
    if not is_new_problem(finding, (p.code for p in open_problems(session, order))):
        return
    now = utcnow()
    session.add(
        OrderProblem(
            order_id=order.id, code=finding.code, detail=finding.detail, due_at=same_day_deadline(now), created_at=now
        )
    )
    record(session, "order.problem_flagged", problem_flagged(order, finding))
    session.flush()


def resolve(session: Session, problem: OrderProblem, resolution: str, actor: str) -> None:
    problem.resolved_at, problem.resolved_by, problem.resolution = utcnow(), actor, resolution


def run_review(session: Session, order: Order, policy: Policy) -> None:
    for finding in review(
        order.ship_to, order.buyer_message, order.seller_remark, review_messages=policy.review_messages
    ):
        flag(session, order, finding)


def advance(session: Session, order: Order, policy: Policy, actor: str) -> None:
    """Take the order as far as it can go on its own: confirm, await payment, allocate."""
    problems = open_problems(session, order)
    if order.status == "unconfirmed" and passes_review(p.code for p in problems):
        transition(session, order, confirmed_status(order.paid), "review passed", actor)
    if order.status == "awaiting_payment" and order.paid:
        transition(session, order, "ready", "payment received", actor)
    if order.status == "ready":
        lines = _lines(session, order)
        demand = _demand(order, lines)
        outcome = allocate_order(
            session, demand, today=utcnow().date(), merge=policy.merge, time_limit_s=policy.split_time_limit_s
        )
        for ln in lines:
            if ln.id in outcome.backordered:
                ln.backordered = outcome.backordered[ln.id]
        if outcome.complete:
            for p in problems:  # nothing is flagged between there and here
                if p.code == "out_of_stock":
                    resolve(session, p, "allocated in full", actor)
            transition(session, order, "allocated", "stock reserved", actor)
        else:
            flag(session, order, out_of_stock(sum(outcome.backordered.values())))


def _lines(session: Session, order: Order) -> list[OrderLine]:
    return list(session.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.line_no)))


def _demand(order: Order, lines: list[OrderLine]) -> Demand:
    """The order as allocation sees it."""
    return Demand(
        order.id,
        order.paid,
        order.merge_key,
        order.carrier,
        order.promised_ship_by.date(),
        tuple(DemandLine(ln.id, ln.item_id, ln.quantity) for ln in lines),
    )


def back_to_review(session: Session, order: Order, cause: str, actor: str) -> None:
    """Release what the order holds and send it back to review (e.g. its address changed)."""
    _release(session, order)
    if order.status in ("awaiting_payment", "ready", "allocated"):
        transition(session, order, "unconfirmed", cause, actor)


def back_to_allocation(session: Session, order: Order, cause: str, actor: str) -> None:
    """Release what the order holds so that ``advance`` allocates it again (e.g. its carrier changed,
    so its merge group did: its lines leave a shipment shared with other orders)."""
    _release(session, order)
    if order.status == "allocated":
        transition(session, order, "ready", cause, actor)


def _release(session: Session, order: Order) -> None:
    """What the order holds goes back, but for shipments already gone (a split order partly shipped)."""
    if order.status in ("ready", "allocated"):
        lock_for_reallocation(session, _demand(order, _lines(session, order)))  # all at once, in lock order
        release_order(session, order.id, leave_shipped=True)


def stop(session: Session, order: Order, to: str, cause: str, actor: str) -> None:
    """Cancel or refund an order that has not shipped: take it off the floor and release its stock first."""
    on_floor = tuple(floor_shipments(session, order.id))
    if on_floor:
        publish(session, OrderLeavingFloor(order.id, on_floor))
    release_order(session, order.id, on_floor=True)
    if on_floor:
        publish(session, OrderLeftFloor(order.id, on_floor))
    for p in open_problems(session, order):
        resolve(session, p, f"order {to}", actor)
    transition(session, order, to, cause, actor)


def backorder(session: Session, order_line_id: int, units: int) -> None:
    """``units`` more of the order line wait for stock (a short pick found none of them)."""
    session.get_one(OrderLine, order_line_id).backordered += units
