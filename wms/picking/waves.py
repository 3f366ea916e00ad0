"""Use cases of waves: release the most urgent shipments into a wave, plan its pick lists.

Starting a wave claims its shipments at once (``allocated`` → ``released``,
with a conditional update, so two planners never get the same order). The
planning itself may run in a background worker: it takes a lease on the
wave, plans outside any transaction, and stores the pick lists only if the
wave is still ``planning``. A worker that dies lets its lease run out and the
wave is planned again; a wave that cannot be planned is ``failed`` and its
shipments go back to ``allocated``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta
from typing import Annotated, Protocol

from pydantic import Field, StrictBool
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wms.allocation import shipments
from wms.allocation.shipments import orders_by_wave
from wms.commands import Command, PositiveNumber
from wms.db import UnitOfWork, unheld
from wms.errors import Conflict
from wms.fields import Number, WarehouseCode, integer
from wms.inventory import repository as repo
from wms.orders.queries import urgencies
from wms.orders.review import Urgency, priority_key, shipment_urgency
from wms.orders.services import lock_orders
from wms.orm import utcnow
from wms.picking import wave_plans
from wms.picking.batching.problem import WaveResult
from wms.picking.orm import Wave

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3


class Cart(Command):
    max_orders: Annotated[int, integer(ge=1, le=1000)] | None = None
    max_units: Annotated[int, integer(ge=1, le=100_000)] | None = None
    max_volume_l: PositiveNumber | None = None


class StartWave(Command):
    warehouse: WarehouseCode
    max_orders: Annotated[int, integer(ge=1, le=20_000)] | None = None
    cart: Cart
    time_limit_s: Annotated[Number, Field(gt=0, le=120)] = 2.0
    group_by_carrier: StrictBool = False
    deadline_window_min: Annotated[int, integer(ge=1, le=10_080)] | None = None


def start_wave(cmd: StartWave, uow: UnitOfWork, actor: str, request_ref: str | None = None) -> tuple[int, int]:
    """(wave id, orders in it): the most urgent releasable shipments, claimed for this wave.

    ``request_ref`` names the client's request (its Idempotency-Key): a retry of a request that
    already started its wave gets that wave back instead of a second one.
    """

    def work(uow: UnitOfWork) -> tuple[int, int]:
        s = uow.session
        if request_ref is not None and (started := s.scalar(select(Wave.id).where(Wave.request_ref == request_ref))):
            return started, len(s.execute(orders_by_wave([started])).all())
        wh = repo.warehouse_by_code(s, cmd.warehouse)
        ranked, mixed = _releasable(s, wh.id)
        chosen = _most_urgent(ranked, cmd.max_orders)
        if any(sid in mixed for sid, _ in chosen):  # their waiting orders leave them first
            part_waiting_orders(s, wh.id, {sid: mixed[sid] for sid, _ in chosen if sid in mixed}, actor)
            still = dict(releasable(s, wh.id))  # read again after the parting, under its locks
            chosen = [(sid, still[sid]) for sid, _ in chosen if sid in still]
        n_orders = sum(n for _, n in chosen)
        chosen_ids = [sid for sid, _ in chosen]
        if not chosen_ids:
            raise Conflict(f"no allocated orders to plan in {cmd.warehouse}", code="nothing_to_plan")
        wave = Wave(
            warehouse_id=wh.id,
            status="planning",
            params=cmd.model_dump(mode="json"),
            created_by=actor,
            request_ref=request_ref,
        )
        s.add(wave)
        s.flush()
        claimed = shipments.claim_for_wave(s, chosen_ids, wave.id, actor)
        if len(claimed) != len(chosen_ids):  # another wave took some of them meanwhile: try again
            raise Conflict(
                "orders were released into another wave meanwhile; start the wave again", code="wave_conflict"
            )
        return wave.id, n_orders

    return uow.run(work)


def part_waiting_orders(s: Session, warehouse_id: int, parting: dict[int, list[int]], actor: str) -> None:
    """A customer's orders merged into one shipment go together while each of them is allocated. One that waits
    (short of stock) does not hold the others back when the wave takes them: paid orders ship within three days.
    ``parting``: shipment → its waiting orders, for shipments a wave is taking. Each such order leaves for a
    shipment of its own with what is reserved for it (``shipments.part``). Orders, then shipments, are locked
    (the lock order) and the split decided again under the locks, so an allocation of a waiting order at the
    same time either went first or waits for this one; a shipment is split only if every order still waiting in
    it is one locked here."""
    lock_orders(s, (o for waiting in parting.values() for o in waiting))
    shipments.lock(s, parting)
    mixed = _releasable(s, warehouse_id)[1]
    for shipment_id, locked in parting.items():
        waiting = mixed.get(shipment_id, [])
        if waiting and set(waiting) <= set(locked):
            cause = f"order(s) {', '.join(map(str, waiting))} left shipment {shipment_id}: waiting, the others go on"
            shipments.part(s, shipment_id, waiting, cause, actor)


def _most_urgent(ranked: list[tuple[int, int]], max_orders: int | None) -> list[tuple[int, int]]:
    chosen, n_orders = [], 0
    for shipment_id, orders in ranked:
        if max_orders is not None and n_orders + orders > max_orders:
            break
        chosen.append((shipment_id, orders))
        n_orders += orders
    return chosen


def releasable(s: Session, warehouse_id: int) -> list[tuple[int, int]]:
    """(shipment id, number of orders) of allocated shipments whose orders are all allocated,
    most urgent first: earliest ship-by, then first come, then fewer lines."""
    ranked, mixed = _releasable(s, warehouse_id)
    return [(sid, n) for sid, n in ranked if sid not in mixed]


def _releasable(s: Session, warehouse_id: int) -> tuple[list[tuple[int, int]], dict[int, list[int]]]:
    """``releasable``, and also the shipments whose allocated orders could go once their waiting ones leave
    (ranked by those orders, counted without the waiting ones), with those waiting orders: shipment → ids."""
    pairs = shipments.allocated_orders(s, warehouse_id)
    ready = urgencies(s, shipments.allocated_order_ids(warehouse_id), status="allocated")
    orders: dict[int, list[Urgency]] = defaultdict(list)
    waiting: dict[int, list[int]] = defaultdict(list)
    for shipment_id, order_id in pairs:
        if order_id in ready:
            orders[shipment_id].append(ready[order_id])
        else:
            waiting[shipment_id].append(order_id)
    mixed = {sid: sorted(w) for sid, w in waiting.items() if sid in orders}
    ranked = sorted((shipment_urgency(sid, of) for sid, of in orders.items()), key=priority_key)
    return [(u.id, len(orders[u.id])) for u in ranked], mixed


class WaveQueue(Protocol):
    """Where a wave goes to be planned in the background (``wms.jobs`` implements it: a thread pool or RQ)."""

    def submit(self, wave_id: int) -> None: ...


def plan_wave(
    cmd: StartWave,
    uow: UnitOfWork,
    actor: str,
    *,
    queue: WaveQueue,
    sync_max_orders: int,
    request_ref: str | None = None,
) -> tuple[int, bool]:
    """(wave id, planned now): start a wave and plan it at once when it has at most ``sync_max_orders``
    orders; a larger one, or one whose planning here failed (the wave records why), goes to ``queue``."""
    wave_id, n_orders = start_wave(cmd, uow, actor, request_ref=request_ref)
    if n_orders <= sync_max_orders and _planned_now(uow, wave_id):
        return wave_id, True
    queue.submit(wave_id)
    return wave_id, False


def _planned_now(uow: UnitOfWork, wave_id: int) -> bool:
    try:
        return run_planning(uow, wave_id) != "planning"
    except Exception:
        log.exception("planning wave %s at once failed", wave_id)
        return False


def run_planning(uow: UnitOfWork, wave_id: int) -> str:
    """Plan a claimed wave (what a worker runs); returns the wave's status afterwards.

    Three transactions: take the lease, load the wave, and (after planning outside any transaction) store
    the pick lists if the wave is still ``planning``; a failure is recorded on the wave in a fourth."""
    if not uow.run(lambda u: _take_lease(u.session, wave_id)):
        return uow.run(lambda u: u.session.get_one(Wave, wave_id).status, read_only=True)
    try:
        inputs = uow.run(lambda u: wave_plans.load(u.session, wave_id), read_only=True)
        result = wave_plans.plan(inputs)
        return uow.run(lambda u: _store(u.session, wave_id, inputs, result))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        uow.run(lambda u: _after_failure(u.session, wave_id, error))
        raise


def _store(s: Session, wave_id: int, inputs: wave_plans.WaveInputs, result: WaveResult) -> str:
    wave = s.scalars(select(Wave).where(Wave.id == wave_id).with_for_update()).one()
    if wave.status == "planning":
        # its shipments before their allocations: an order cancelled meanwhile (which locks its shipments,
        # then deletes their allocations) either went first (the insert then fails and the wave is planned
        # again) or waits, and finds the stops to cancel
        shipments.lock(s, (line["shipment_id"] for line in inputs.lines))
        wave_plans.store(s, wave, inputs, result)
    return wave.status


def _take_lease(s: Session, wave_id: int) -> bool:
    now = utcnow()
    got = s.execute(
        update(Wave)
        .where(Wave.id == wave_id, Wave.status == "planning", (Wave.lease_until.is_(None)) | (Wave.lease_until < now))
        .values(lease_until=now + LEASE, attempts=Wave.attempts + 1)
        .returning(Wave.id)
    ).first()
    return got is not None


def _after_failure(s: Session, wave_id: int, error: str) -> None:
    wave = s.scalars(select(Wave).where(Wave.id == wave_id).with_for_update()).one()
    if wave.status != "planning":
        return
    if wave.attempts >= MAX_ATTEMPTS:
        fail(s, wave, error)
    else:
        wave.lease_until = None  # the next pass of the sweeper hands it out again


def fail(s: Session, wave: Wave, error: str) -> None:
    """Give the wave up: its shipments are released back to ``allocated``, nothing half-assigned."""
    shipments.return_from_wave(s, wave.id, f"wave {wave.id} failed", wave.created_by)
    wave.status, wave.error, wave.lease_until = "failed", error[:2000], None


def waves_to_plan(uow: UnitOfWork, min_age: timedelta = timedelta(0)) -> list[int]:
    """Waves in ``planning`` that no worker holds (``wms.db.unheld``)."""
    return unheld(uow, Wave, Wave.status == "planning", min_age)
