"""Use cases of the orders context: push, ERP messages, cancel, resolve a problem, change the carrier.

Messages from ERPs may come twice, late or before their order. Each is
applied so that any arrival order ends in the same state: payment is
monotone and the earliest payment counts (its ``at`` is ``paid_at`` and sets
the ship-by deadline), the newest address and the newest carrier win (by the
message's ``at``), a refund wins over a cancel, and a message for an order
not yet known waits for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from wms.allocation.floor import floor_shipments, set_carrier
from wms.db import UnitOfWork, core, dialect_insert
from wms.errors import Conflict, DomainError, NotFound
from wms.events.domain import publish
from wms.events.outbox import record
from wms.inventory import repository as inventory
from wms.orders import intake
from wms.orders import workflow as wf
from wms.orders.commands import OrderMessage, PushOrder
from wms.orders.events import OrderNeedsNewLabel
from wms.orders.lifecycle import FINAL, OPEN
from wms.orders.orm import Order, OrderLine, OrderProblem, PendingOrderMessage
from wms.orders.queries import carriers_in_shipment
from wms.orders.review import address_findings, ship_by
from wms.orm import utcnow

AFTER_SHIPPING = ("shipped", "completed", "refunding")
T = TypeVar("T")


CHUNK = 250  # new orders of a bulk push taken per transaction


def push_order(cmd: PushOrder, uow: UnitOfWork, policy: wf.Policy, actor: str) -> tuple[int, bool]:
    """(order id, created). The same (channel, external_id) again returns the existing order."""
    return push_order_then(cmd, uow, policy, actor, lambda _, order_id, created: (order_id, created))


def push_order_then(
    cmd: PushOrder, uow: UnitOfWork, policy: wf.Policy, actor: str, then: Callable[[Session, int, bool], T]
) -> T:
    """``push_order``, then ``then(session, order_id, created)`` in the same transaction (the API reads its
    answer there, so that the answer commits with the work): what it returns. A refused order raises its
    error and nothing of it is done."""

    def work(u: UnitOfWork) -> T:
        (result,) = _push_chunk(u.session, [cmd], policy, actor)
        if isinstance(result, DomainError):
            raise result
        order_id, created = result
        return then(u.session, order_id, created)

    try:
        return uow.run(work)
    except _Refused as refused:  # the one-order path refused it: its transaction rolled back
        raise refused.error from None


ChunkHook = Callable[[Session, int, list[tuple[int, bool] | DomainError]], None]


def push_orders(
    cmds: Sequence[PushOrder],
    uow: UnitOfWork,
    policy: wf.Policy,
    actor: str,
    *,
    chunk: int | None = None,
    on_chunk: ChunkHook | None = None,
) -> list[tuple[int, bool] | DomainError]:
    """Push orders in their order, each with the outcome it would have had pushed alone after the ones before
    it; per order (order id, created), or the error that refused it (nothing of that order is done).

    New orders go ``chunk`` (``CHUNK``) at a time, set-based, one transaction per chunk (``intake``); an order pushed
    before, pushed twice here, or with ERP messages waiting for it goes alone through the one-order path.

    ``on_chunk(session, start, results)``, when given, runs in each of those transactions after its orders are
    pushed, with their results (those of ``cmds[start:start + len(results)]``): what it writes commits with
    them, or neither does (a bulk push job records its progress so). An order refused on the one-order path
    rolled its transaction back; its refusal goes to ``on_chunk`` in a transaction of its own."""
    results: list[tuple[int, bool] | DomainError] = []
    size = chunk or CHUNK
    while len(results) < len(cmds):
        start = len(results)
        part = cmds[start : start + size]
        try:
            results += uow.run(lambda u: _push_chunk_and_tell(u.session, part, start, policy, actor, on_chunk))  # noqa: B023 (called at once)
        except _Refused as refused:  # the one-order path refused its order: nothing of it was written
            error = refused.error
            if on_chunk is not None:
                uow.run(lambda u: on_chunk(u.session, start, [error]))  # noqa: B023 (called at once)
            results.append(error)
    return results


def _push_chunk_and_tell(
    s: Session, cmds: Sequence[PushOrder], start: int, policy: wf.Policy, actor: str, on_chunk: ChunkHook | None
) -> list[tuple[int, bool] | DomainError]:
    done = _push_chunk(s, cmds, policy, actor)
    if on_chunk is not None:
        on_chunk(s, start, done)
    return done


class _Refused(Exception):
    """The order pushed alone was refused (its transaction rolled back); other orders go on."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.message)
        self.error = error


def _push_chunk(
    s: Session, cmds: Sequence[PushOrder], policy: wf.Policy, actor: str
) -> list[tuple[int, bool] | DomainError]:
    """A leading run of new orders of ``cmds`` set-based, or its first order alone if it is not new."""
    keys = [(c.channel, c.external_id) for c in cmds]
    _serialize_external_ids(s, keys)
    taken = intake.taken_before(s, keys)
    run: set[tuple[str, str]] = set()
    for key in keys:
        if key in taken or key in run:
            break
        run.add(key)
    if not run:
        try:
            return [_push(s, cmds[0], policy, actor)]
        except DomainError as exc:
            raise _Refused(exc) from exc
    made = intake.create_orders(s, cmds[: len(run)], policy, actor)
    return [r if isinstance(r, DomainError) else (r, True) for r in made]


def _push(s: Session, cmd: PushOrder, policy: wf.Policy, actor: str) -> tuple[int, bool]:
    """One order: pushed before (a repeat may carry a payment, an address, a carrier), or new with ERP
    messages waiting for it."""
    items = inventory.items_by_sku(s, [line.sku for line in cmd.lines])
    _serialize_external_ids(s, [(cmd.channel, cmd.external_id)])
    values = intake.order_values(cmd, utcnow())
    order = s.scalars(
        dialect_insert(s, Order)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(Order)
    ).first()
    if order is None:  # pushed before (or concurrently, by a request that created it)
        existing = _find(s, cmd.channel, cmd.external_id)
        assert existing is not None
        _apply_repush(s, existing, cmd, policy, actor)
        return existing.id, False
    s.add_all(
        OrderLine(order_id=order.id, line_no=n, item_id=items[line.sku].id, quantity=line.quantity)
        for n, line in enumerate(cmd.lines, start=1)
    )
    s.flush()
    wf.enter(s, order, "unconfirmed", "received", actor)
    wf.run_review(s, order, policy)
    pending = s.scalars(
        select(PendingOrderMessage)
        .where(PendingOrderMessage.channel == cmd.channel, PendingOrderMessage.external_id == cmd.external_id)
        .order_by(PendingOrderMessage.id)
    ).all()
    for p in pending:
        _apply(s, order, OrderMessage.model_validate(p.message), policy, actor, advance=False)
        s.delete(p)
    if order.status not in FINAL:
        wf.advance(s, order, policy, actor)
    return order.id, True


def _apply_repush(s: Session, order: Order, cmd: PushOrder, policy: wf.Policy, actor: str) -> None:
    """A repeated push may carry what the ERP may change: payment, the address and the carrier."""
    if cmd.paid and (not order.paid or cmd.paid_at is not None):  # an earlier paid_at than we have counts
        at = cmd.paid_at or utcnow()
        # built from the stored order, not from a request: not validated again (rules on input may have tightened)
        payment = OrderMessage.model_construct(
            channel=order.channel, external_id=order.external_id, type="payment", at=at
        )
        _apply(s, order, payment, policy, actor)
    # the pushed address counts as older than any correction message: it only changes a never-corrected order
    if order.address_version is None and cmd.ship_to.model_dump() != order.ship_to and order.status in OPEN:
        _change_address(s, order, cmd.ship_to.model_dump(), policy, actor)
        wf.advance(s, order, policy, actor)
    # likewise the pushed carrier, older than any carrier message or planner's change
    if order.carrier_version is None and cmd.carrier != order.carrier and order.status in OPEN:
        _change_carrier(s, order, cmd.carrier, utcnow(), actor)
        wf.advance(s, order, policy, actor)


def apply_message(msg: OrderMessage, uow: UnitOfWork, policy: wf.Policy, actor: str) -> int | None:
    """Apply an ERP message; ``None`` when its order is not known yet (kept until it arrives)."""

    def work(uow: UnitOfWork) -> int | None:
        s = uow.session
        _serialize_external_ids(s, [(msg.channel, msg.external_id)])
        order = _find(s, msg.channel, msg.external_id, lock=True)
        if order is None:
            s.add(
                PendingOrderMessage(
                    channel=msg.channel, external_id=msg.external_id, message=msg.model_dump(mode="json")
                )
            )
            return None
        _apply(s, order, msg, policy, actor)
        return order.id

    return uow.run(work)


def _apply(s: Session, order: Order, msg: OrderMessage, policy: wf.Policy, actor: str, *, advance: bool = True) -> None:
    if msg.type == "payment":
        if not order.paid or order.paid_at is None or msg.at < order.paid_at:  # the earliest payment counts
            order.paid, order.paid_at = True, msg.at
            order.ship_by = ship_by(msg.at, order.promised_ship_by)
            order.payment_reminder_at = None
    elif msg.type == "address" and msg.ship_to is not None:
        if order.address_version is not None and msg.at <= order.address_version:
            return  # an older correction than the one we have
        order.address_version = msg.at
        if msg.ship_to.model_dump() != order.ship_to and order.status not in AFTER_SHIPPING:
            _change_address(s, order, msg.ship_to.model_dump(), policy, actor)
    elif msg.type == "carrier" and msg.carrier is not None:
        if order.carrier_version is not None and msg.at <= order.carrier_version:
            return  # an older change than the one we have
        order.carrier_version = msg.at
        if msg.carrier != order.carrier and order.status in OPEN:
            _change_carrier(s, order, msg.carrier, msg.at, actor)
        elif order.status not in AFTER_SHIPPING:  # cancelled or refunded: noted, so any arrival order agrees,
            order.carrier = msg.carrier  # but nothing moves and no event says it changed
    elif msg.type == "cancel":
        if order.status in OPEN:
            wf.stop(s, order, "cancelled", msg.reason or "cancelled by the ERP", actor)
    elif msg.type == "refund":
        if order.status in OPEN or order.status == "cancelled":
            wf.stop(s, order, "refunded", msg.reason or "refunded before shipping", actor)
        elif order.status in ("shipped", "completed"):
            wf.transition(s, order, "refunding", msg.reason or "refund asked after shipping", actor)
    if advance and order.status in OPEN:
        wf.advance(s, order, policy, actor)


def _change_address(s: Session, order: Order, ship_to: dict[str, Any], policy: wf.Policy, actor: str) -> None:
    """Record the address; an open order goes back through review (its merge group may change)."""
    order.ship_to = ship_to
    order.merge_key = wf.merge_key(order.customer_id, ship_to, order.carrier)
    if order.status not in OPEN:
        return
    for p in wf.open_problems(s, order):
        if p.code == "unclear_address":
            wf.resolve(s, p, "address corrected", actor)
    if _relabel(s, order):  # being picked or packed: keep going, with the new address on the label
        for finding in address_findings(ship_to):
            wf.flag(s, order, finding)  # packing waits until it is resolved
        return
    wf.back_to_review(s, order, "address corrected", actor)
    wf.run_review(s, order, policy)


def _change_carrier(s: Session, order: Order, carrier: str, at: datetime, actor: str) -> None:
    """Record the carrier. An open order not yet on the floor is allocated again by the caller's
    ``advance`` (its merge group changed); on the floor its shipments carry on under the new
    carrier, a packed one with its parcels voided for a new label."""
    record(
        s,
        "order.carrier_changed",
        {
            "order_id": order.id,
            "external_id": order.external_id,
            "channel": order.channel,
            "from": order.carrier,
            "to": carrier,
            "at": at.isoformat(),
            "actor": actor,
        },
    )
    order.carrier = carrier
    order.merge_key = wf.merge_key(order.customer_id, order.ship_to, carrier)
    if order.status not in OPEN:
        return
    on_floor = _relabel(s, order)
    for shipment_id in on_floor:
        if set(carriers_in_shipment(s, shipment_id).values()) == {carrier}:
            set_carrier(s, shipment_id, carrier)  # else packing stops until the orders agree (carrier_mixed)
    if not on_floor:
        wf.back_to_allocation(s, order, "carrier changed", actor)


def _relabel(s: Session, order: Order) -> list[int]:
    """The order's shipments on the floor, locked; a packed one goes back to packing to be labelled again."""
    on_floor = floor_shipments(s, order.id, lock=True)
    if on_floor:
        publish(s, OrderNeedsNewLabel(order.id, tuple(on_floor)))
    return on_floor


def change_carrier(order_id: int, carrier: str, uow: UnitOfWork, policy: wf.Policy, actor: str) -> None:
    """A planner's carrier change: until the order ships, and newer than any ERP carrier message so far."""

    def work(uow: UnitOfWork) -> None:
        s = uow.session
        order = get_order(s, order_id, lock=True)
        if order.status not in OPEN:
            raise Conflict(
                f"order {order.id} is {order.status}: its carrier can change only until it ships",
                code="order_not_open",
                details={"status": order.status},
            )
        now = utcnow()
        order.carrier_version = max(order.carrier_version or now, now)
        if carrier != order.carrier:
            _change_carrier(s, order, carrier, now, actor)
            wf.advance(s, order, policy, actor)

    uow.run(work)


def cancel_order(order_id: int, reason: str | None, uow: UnitOfWork, actor: str) -> None:
    def work(uow: UnitOfWork) -> None:
        order = get_order(uow.session, order_id, lock=True)
        if order.status == "cancelled":
            return
        if order.status not in OPEN:
            raise Conflict(
                f"an order that is {order.status} cannot be cancelled",
                code="illegal_transition",
                details={"from": order.status, "to": "cancelled"},
            )
        wf.stop(uow.session, order, "cancelled", reason or "cancelled", actor)

    uow.run(work)


def resolve_problem(
    order_id: int, problem_id: int, resolution: str, uow: UnitOfWork, policy: wf.Policy, actor: str
) -> None:
    """Close a problem and let the order go on; out of stock is retried and stays open if still short."""

    def work(uow: UnitOfWork) -> None:
        s = uow.session
        order = get_order(s, order_id, lock=True)
        problem = s.get(OrderProblem, problem_id)
        if problem is None or problem.order_id != order.id:
            raise NotFound(f"problem {problem_id} of order {order_id} not found", code="problem_not_found")
        if problem.resolved_at is not None:
            raise Conflict("the problem is resolved already", code="problem_resolved")
        if problem.code != "out_of_stock":  # out of stock closes itself once allocation succeeds
            wf.resolve(s, problem, resolution, actor)
            s.flush()
        if order.status in OPEN:
            wf.advance(s, order, policy, actor)

    uow.run(work)


def _find(s: Session, channel: str, external_id: str, *, lock: bool = False) -> Order | None:
    stmt = select(Order).where(Order.channel == channel, Order.external_id == external_id)
    return s.scalars(stmt.with_for_update() if lock else stmt).first()


def get_order(s: Session, order_id: int, *, lock: bool = False) -> Order:
    """The order (``lock``: locked FOR UPDATE, the first of a use case's locks: orders → pick lists →
    shipments → stock); 404 when there is none."""
    stmt = select(Order).where(Order.id == order_id)
    order = s.scalars(stmt.with_for_update() if lock else stmt).first()
    if order is None:
        raise NotFound(f"order {order_id} not found", code="order_not_found")
    return order


def lock_orders(s: Session, order_ids: Iterable[int]) -> None:
    """Lock these orders in id order (``get_order(lock=True)`` for several: the first locks of a use case)."""
    ids = sorted(set(order_ids))
    if ids:
        s.execute(select(Order.id).where(Order.id.in_(ids)).order_by(Order.id).with_for_update())


def _serialize_external_ids(s: Session, keys: Sequence[tuple[str, str]]) -> None:
    """Pushes and messages of one (channel, external_id) run one at a time (PostgreSQL advisory locks, taken
    in one statement in a fixed order, first in their transactions; SQLite transactions are serial anyway),
    so a message can never slip past its order's creation."""
    if s.get_bind().dialect.name != "postgresql" or not keys:
        return
    locks = sorted({_lock_key(channel, external_id) for channel, external_id in keys})
    core(s).execute(_ADVISORY_LOCKS, {"ks": locks})


_ADVISORY_LOCKS = text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:ks AS bigint[])) AS k ORDER BY k")


def _lock_key(channel: str, external_id: str) -> int:
    digest = hashlib.sha256(f"{channel}\x1f{external_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
