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

from datetime import timedelta
from typing import Annotated

from pydantic import Field, StrictBool
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from wms.allocation.orm import Shipment, ShipmentLine
from wms.db import UnitOfWork
from wms.errors import Conflict
from wms.fields import Number, WarehouseCode, integer
from wms.inventory import repository as repo
from wms.inventory.commands import Command, PositiveNumber
from wms.orders.orm import Order
from wms.orm import utcnow
from wms.picking import wave_plans
from wms.picking.orm import Wave
from wms.picking.wave_views import orders_by_wave

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
        chosen, n_orders = [], 0
        for shipment_id, orders in releasable(s, wh.id):
            if cmd.max_orders is not None and n_orders + orders > cmd.max_orders:
                break
            chosen.append(shipment_id)
            n_orders += orders
        if not chosen:
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
        claimed = (
            s.execute(
                update(Shipment)
                .where(Shipment.id.in_(chosen), Shipment.status == "allocated")
                .values(status="released", wave_id=wave.id)
                .returning(Shipment.id)
            )
            .scalars()
            .all()
        )
        if len(claimed) != len(chosen):  # another wave took some of them meanwhile: try again
            raise Conflict(
                "orders were released into another wave meanwhile; start the wave again", code="wave_conflict"
            )
        return wave.id, n_orders

    return uow.run(work)


def releasable(s: Session, warehouse_id: int) -> list[tuple[int, int]]:
    """(shipment id, number of orders) of allocated shipments whose orders are all allocated,
    most urgent first: earliest ship-by, then first come, then fewer lines."""
    blocked = (
        select(ShipmentLine.shipment_id)
        .join(Order, Order.id == ShipmentLine.order_id)
        .where(Order.status != "allocated")
    )
    rows = s.execute(
        select(
            Shipment.id,
            func.count(func.distinct(Order.id)),
            func.min(func.coalesce(Order.ship_by, Order.promised_ship_by)),
            func.min(Order.created_at),
            func.sum(Order.line_count),
        )
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .join(Order, Order.id == ShipmentLine.order_id)
        .where(Shipment.warehouse_id == warehouse_id, Shipment.status == "allocated", Shipment.id.not_in(blocked))
        .group_by(Shipment.id)
    ).all()
    rows = sorted(rows, key=lambda r: (r[2], r[3], r[4], r[0]))
    return [(r[0], r[1]) for r in rows]


def run_planning(factory: sessionmaker[Session], wave_id: int) -> str:
    """Plan a claimed wave (what a worker runs); returns the wave's status afterwards."""
    if not _take_lease(factory, wave_id):
        with factory() as s:
            return s.get_one(Wave, wave_id).status
    try:
        with factory() as s:
            inputs = wave_plans.load(s, wave_id)
            s.commit()
        result = wave_plans.plan(inputs)
        with factory() as s:
            wave = s.scalars(select(Wave).where(Wave.id == wave_id).with_for_update()).one()
            if wave.status == "planning":
                wave_plans.store(s, wave, inputs, result)
            s.commit()
            return wave.status
    except Exception as exc:
        _after_failure(factory, wave_id, exc)
        raise


def _take_lease(factory: sessionmaker[Session], wave_id: int) -> bool:
    now = utcnow()
    with factory() as s:
        got = s.execute(
            update(Wave)
            .where(
                Wave.id == wave_id, Wave.status == "planning", (Wave.lease_until.is_(None)) | (Wave.lease_until < now)
            )
            .values(lease_until=now + LEASE, attempts=Wave.attempts + 1)
            .returning(Wave.id)
        ).first()
        s.commit()
    return got is not None


def _after_failure(factory: sessionmaker[Session], wave_id: int, exc: Exception) -> None:
    with factory() as s:
        wave = s.scalars(select(Wave).where(Wave.id == wave_id).with_for_update()).one()
        if wave.status != "planning":
            return
        if wave.attempts >= MAX_ATTEMPTS:
            fail(s, wave, f"{type(exc).__name__}: {exc}")
        else:
            wave.lease_until = None  # the next pass of the sweeper hands it out again
        s.commit()


def fail(s: Session, wave: Wave, error: str) -> None:
    """Give the wave up: its shipments are released back to ``allocated``, nothing half-assigned."""
    s.execute(
        update(Shipment)
        .where(Shipment.wave_id == wave.id, Shipment.status == "released")
        .values(status="allocated", wave_id=None)
    )
    wave.status, wave.error, wave.lease_until = "failed", error[:2000], None


def waves_to_plan(factory: sessionmaker[Session], min_age: timedelta = timedelta(0)) -> list[int]:
    """Waves in ``planning`` that no worker holds: never picked up (older than ``min_age``, so a wave
    just handed to a worker is left to it), or whose worker's lease ran out."""
    now = utcnow()
    with factory() as s:
        ids = s.scalars(
            select(Wave.id)
            .where(
                Wave.status == "planning",
                ((Wave.lease_until.is_(None) & (Wave.created_at <= now - min_age)) | (Wave.lease_until < now)),
            )
            .order_by(Wave.id)
        ).all()
        s.commit()
    return list(ids)
