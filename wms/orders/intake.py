"""New orders taken set-based: a chunk of pushed orders in one transaction, with a few statements in all.

The orders and their lines are inserted in bulk, each order reviewed (pure
rules), the paid ones that pass allocated one after another against one lock of
the stock they may take (``allocation.allocate.allocate_orders``), and the
statuses, history rows, problems and events written in bulk. The outcome of
each order is the one it would have had pushed alone, after the orders before
it: the same rules in the same order, only written together.

Only new orders come here: ``services.push_orders`` sends an order pushed
before, one pushed twice in a chunk or one with ERP messages waiting for it
through the one-order path, alone in its transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text, tuple_, update
from sqlalchemy.orm import Session

from wms.allocation.allocate import Demand, DemandLine, allocate_orders
from wms.bulk import insert_family, insert_rows
from wms.db import core
from wms.errors import NotFound
from wms.events.outbox import record
from wms.inventory.repository import item_ids_by_sku
from wms.orders import workflow as wf
from wms.orders.commands import PushOrder
from wms.orders.lifecycle import confirmed_status
from wms.orders.orm import Order, OrderLine, OrderProblem, OrderTransition, PendingOrderMessage
from wms.orders.review import PAYMENT_REMINDER_AFTER, Finding, passes_review, review, same_day_deadline, ship_by
from wms.orm import utcnow

Key = tuple[str, str]  # (channel, external_id)
ORDERS, LINES = Order.__table__, OrderLine.__table__


def order_values(cmd: PushOrder, now: datetime) -> dict[str, Any]:
    """The row of a newly pushed order, in its first state (``unconfirmed``)."""
    ship_to = cmd.ship_to.model_dump()
    paid_at = (cmd.paid_at or now) if cmd.paid else None
    return {
        "external_id": cmd.external_id,
        "channel": cmd.channel,
        "customer_id": cmd.customer_id,
        "ship_to": ship_to,
        "merge_key": wf.merge_key(cmd.customer_id, ship_to, cmd.carrier),
        "carrier": cmd.carrier,
        "buyer_message": cmd.buyer_message,
        "seller_remark": cmd.seller_remark,
        "paid": cmd.paid,
        "paid_at": paid_at,
        "ship_by": ship_by(paid_at, cmd.promised_ship_by) if paid_at is not None else None,
        "promised_ship_by": cmd.promised_ship_by,
        "status": "unconfirmed",
        "line_count": len(cmd.lines),
        "unit_count": sum(line.quantity for line in cmd.lines),
        "created_at": now,
        "updated_at": now,
        "payment_reminder_at": None if cmd.paid else now + PAYMENT_REMINDER_AFTER,
    }


def taken_before(session: Session, keys: Sequence[Key]) -> set[Key]:
    """The keys of these that name an order that exists or an ERP message waiting for its order."""
    if not keys:
        return set()
    wanted = sorted(set(keys))
    conn = core(session)
    if conn.dialect.name == "postgresql":
        rows = conn.execute(_TAKEN_PG, {"channels": [c for c, _ in wanted], "ids": [e for _, e in wanted]})
    else:
        rows = conn.execute(_TAKEN, {"keys": wanted})
    return {(c, e) for c, e in rows}


def _joined(table: str) -> str:
    return (
        f'SELECT t.channel, t.external_id FROM "{table}" AS t '
        "JOIN unnest(CAST(:channels AS VARCHAR[]), CAST(:ids AS VARCHAR[])) AS k(channel, external_id) "
        "ON t.channel = k.channel AND t.external_id = k.external_id"
    )


# PostgreSQL: the keys as two arrays joined to the unique index, one plan whatever their number (a chunk's 250
# keys as a row IN list were 500 parameters, planned as 250 index probes, ≈ 15 ms a chunk)
_TAKEN_PG = text(f"{_joined(Order.__tablename__)} UNION {_joined(PendingOrderMessage.__tablename__)}")
_TAKEN = (  # built once: every push runs it
    select(Order.channel, Order.external_id)
    .where(tuple_(Order.channel, Order.external_id).in_(bindparam("keys", expanding=True)))
    .union(
        select(PendingOrderMessage.channel, PendingOrderMessage.external_id).where(
            tuple_(PendingOrderMessage.channel, PendingOrderMessage.external_id).in_(bindparam("keys", expanding=True))
        )
    )
)


def create_orders(session: Session, cmds: Sequence[PushOrder], policy: wf.Policy, actor: str) -> list[int | NotFound]:
    """Take new orders (none of them exists, none twice); per order its id, or a 404 for unknown SKUs
    (that order only: it is not created)."""
    items = item_ids_by_sku(session, sorted({ln.sku for c in cmds for ln in c.lines}))
    refused = [_unknown(sorted({ln.sku for ln in c.lines} - items.keys())) for c in cmds]
    ids = iter(_create(session, [c for c, r in zip(cmds, refused, strict=True) if r is None], items, policy, actor))
    return [r if r is not None else next(ids) for r in refused]


def _unknown(missing: list[str]) -> NotFound | None:
    if not missing:
        return None
    return NotFound(f"unknown SKU(s): {', '.join(missing)}", code="item_not_found", details={"skus": missing})


def _create(
    session: Session, cmds: Sequence[PushOrder], items: dict[str, int], policy: wf.Policy, actor: str
) -> list[int]:
    if not cmds:
        return []
    now = utcnow()
    rows = [order_values(c, now) for c in cmds]
    line_rows = [
        {"order_id": k, "line_no": n, "item_id": items[ln.sku], "quantity": ln.quantity, "backordered": 0}
        for k, c in enumerate(cmds)
        for n, ln in enumerate(c.lines, start=1)
    ]
    ids, all_line_ids = insert_family(session, ORDERS, rows, LINES, line_rows, link="order_id")
    line_ids = iter(all_line_ids)
    story = _Story(session, actor, now)
    to_allocate: list[tuple[wf.Named, Demand]] = []
    for oid, c, row in zip(ids, cmds, rows, strict=True):
        order = wf.Named(oid, c.external_id, c.channel)
        story.move(order, None, "unconfirmed", "received")
        findings = review(row["ship_to"], c.buyer_message, c.seller_remark, review_messages=policy.review_messages)
        for finding in findings:
            story.flag(order, finding)
        lines = tuple(DemandLine(next(line_ids), items[ln.sku], ln.quantity) for ln in c.lines)
        if not passes_review(f.code for f in findings):  # as workflow.advance decides it
            continue
        status = confirmed_status(c.paid)
        story.move(order, "unconfirmed", status, "review passed")
        if status == "ready":
            demand = Demand(oid, c.paid, row["merge_key"], c.carrier, c.promised_ship_by.date(), lines)
            to_allocate.append((order, demand))
    _allocate(session, story, to_allocate, policy)
    story.write()
    return ids


def _allocate(session: Session, story: _Story, orders: list[tuple[wf.Named, Demand]], policy: wf.Policy) -> None:
    """``workflow.advance``'s allocation step for new ready orders, all at once."""
    if not orders:
        return
    demands = []
    for _, d in orders:
        wanted: dict[int, list[tuple[DemandLine, int]]] = defaultdict(list)
        for line in d.lines:
            wanted[line.item_id].append((line, line.quantity))
        demands.append((d, dict(wanted)))
    outcomes = allocate_orders(
        session, demands, today=utcnow().date(), merge=policy.merge, time_limit_s=policy.split_time_limit_s
    )
    short_lines: list[dict[str, int]] = []
    for (order, _), outcome in zip(orders, outcomes, strict=True):
        if outcome.complete:
            story.move(order, "ready", "allocated", "stock reserved")
            continue
        short_lines += [{"line_id": k, "units": v} for k, v in outcome.backordered.items() if v]
        story.flag(order, wf.out_of_stock(sum(outcome.backordered.values())))
    if short_lines:
        session.execute(
            update(OrderLine.__table__)
            .where(OrderLine.__table__.c.id == bindparam("line_id"))
            .values(backordered=bindparam("units")),
            short_lines,
        )


class _Story:
    """What happened to the new orders: status changes and problems, kept per order in the order they
    happened and written together at the end (history rows, problems, events, each order's final
    status), order after order, as if each had been pushed alone."""

    def __init__(self, session: Session, actor: str, now: datetime) -> None:
        self.session, self.actor, self.now = session, actor, now
        self.told: dict[int, list[tuple[str, dict[str, Any], dict[str, Any]]]] = defaultdict(list)
        self.status: dict[int, str] = {}

    def move(self, order: wf.Named, old: str | None, new: str, cause: str) -> None:
        row = {"order_id": order.id, "from_status": old, "to_status": new, "cause": cause, "actor": self.actor}
        self.told[order.id].append(
            ("order.status_changed", {**row, "at": self.now}, wf.status_changed(order, old, new, cause, self.now))
        )
        self.status[order.id] = new

    def flag(self, order: wf.Named, finding: Finding) -> None:
        row = {
            "order_id": order.id,
            "code": finding.code,
            "detail": finding.detail,
            "due_at": same_day_deadline(self.now),
            "created_at": self.now,
        }
        self.told[order.id].append(("order.problem_flagged", row, wf.problem_flagged(order, finding)))

    def write(self) -> None:
        s = self.session
        moves: list[dict[str, Any]] = []
        problems: list[dict[str, Any]] = []
        for entries in self.told.values():
            for type_, row, payload in entries:
                if type_ == "order.status_changed":
                    moves.append(row)
                    record(s, "order.status_changed", payload)
                else:
                    problems.append(row)
                    record(s, "order.problem_flagged", payload)
        insert_rows(s, OrderProblem.__table__, problems)
        statuses = [
            {"id": oid, "status": status, "updated_at": self.now}
            for oid, status in sorted(self.status.items())
            if status != "unconfirmed"
        ]
        insert_rows(s, OrderTransition.__table__, moves, also_set=(ORDERS, statuses))
