"""Cycle counts: count a location blind, see the variance, post it.

A count is ``open`` when created, ``counted`` once a result is recorded (the
system's on hand at that moment is kept as ``expected``), ``posted`` when the
variance has gone to the ledger as ``count_correction`` adjustments, or
``cancelled``. Posting is refused if the location's stock changed after the
count was recorded: the count no longer describes the shelf, recount it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.batches.lots import get_lot, receive_lot
from wms.db import UnitOfWork
from wms.errors import Conflict, InvalidInput, NotFound
from wms.inventory import repository as repo
from wms.inventory.commands import RecordCount, StartCount
from wms.inventory.ledger import StockChange, post_operation
from wms.inventory.orm import COUNT_ACTIVE, CycleCount, CycleCountLine, Stock
from wms.inventory.stock import Place, lock_stock
from wms.orm import utcnow

ACTIVE = COUNT_ACTIVE


def start_count(cmd: StartCount, uow: UnitOfWork, actor: str, reason: str = "requested") -> CycleCount:
    def work(uow: UnitOfWork) -> CycleCount:
        s = uow.session
        wh = repo.warehouse_by_code(s, cmd.warehouse)
        loc = repo.location_by_code(s, wh, cmd.location)
        active = active_count(s, loc.id)
        if active is not None:
            raise Conflict(
                f"location {loc.code} already has count {active} in progress",
                code="count_in_progress",
                details={"count_id": active},
            )
        return open_count(s, wh.id, loc.id, actor, reason)

    return uow.run(work)


def active_count(s: Session, location_id: int) -> int | None:
    """The id of the count in progress at a location, if any."""
    return s.scalars(
        select(CycleCount.id).where(CycleCount.location_id == location_id, CycleCount.status.in_(ACTIVE))
    ).first()


def open_count(s: Session, warehouse_id: int, location_id: int, actor: str, reason: str) -> CycleCount:
    """A new count task for a location (a planner's request, or a short pick's)."""
    count = CycleCount(
        warehouse_id=warehouse_id, location_id=location_id, status="open", reason=reason, created_by=actor
    )
    s.add(count)
    s.flush()
    return count


def record_count(count_id: int, cmd: RecordCount, uow: UnitOfWork, actor: str) -> CycleCount:
    def work(uow: UnitOfWork) -> CycleCount:
        s = uow.session
        count = _get(uow, count_id, for_update=True)
        if count.status not in ACTIVE:
            raise Conflict(f"count {count_id} is {count.status}", code="count_not_active")
        counted = _counted_by_lot(uow, cmd)
        on_hand = _location_stock(uow, count.location_id)
        for old in s.scalars(select(CycleCountLine).where(CycleCountLine.count_id == count.id)):
            s.delete(old)
        s.flush()
        for lot_id in sorted(counted.keys() | on_hand.keys()):
            item_id, qty = counted.get(lot_id) or (on_hand[lot_id][0], 0)
            expected = on_hand.get(lot_id, (item_id, 0))[1]
            s.add(CycleCountLine(count_id=count.id, item_id=item_id, lot_id=lot_id, expected=expected, counted=qty))
        count.status, count.counted_at, count.counted_by = "counted", utcnow(), actor
        s.flush()
        return count

    return uow.run(work)


def post_count(count_id: int, uow: UnitOfWork, actor: str) -> CycleCount:
    def work(uow: UnitOfWork) -> CycleCount:
        s = uow.session
        count = _get(uow, count_id, for_update=True)
        if count.status != "counted":
            raise Conflict(f"count {count_id} is {count.status}, not counted", code="count_not_counted")
        lines = list(s.scalars(select(CycleCountLine).where(CycleCountLine.count_id == count.id)))
        arriving = [
            Place(count.location_id, ln.lot_id, ln.item_id, count.warehouse_id)
            for ln in lines
            if ln.counted > ln.expected
        ]
        now = {lot_id: qty for lot_id, (_, qty) in _location_stock(uow, count.location_id, arriving).items()}
        then = {line.lot_id: line.expected for line in lines if line.expected}
        if now != then:
            raise Conflict(
                "stock at the location changed after it was counted; record the count again", code="count_stale"
            )
        changes = [
            StockChange(count.location_id, ln.item_id, ln.lot_id, ln.counted - ln.expected, "count_correction")
            for ln in lines
            if ln.counted != ln.expected
        ]
        if changes:
            op = post_operation(
                s,
                warehouse_id=count.warehouse_id,
                kind="count",
                reference=f"COUNT-{count.id}",
                actor=actor,
                changes=changes,
            )
            count.operation_id = op.id
        count.status = "posted"
        s.flush()
        return count

    return uow.run(work)


def cancel_count(count_id: int, uow: UnitOfWork) -> CycleCount:
    def work(uow: UnitOfWork) -> CycleCount:
        count = _get(uow, count_id, for_update=True)
        if count.status not in ACTIVE:
            raise Conflict(f"count {count_id} is {count.status}", code="count_not_active")
        count.status = "cancelled"
        uow.session.flush()
        return count

    return uow.run(work)


def _get(uow: UnitOfWork, count_id: int, *, for_update: bool = False) -> CycleCount:
    stmt = select(CycleCount).where(CycleCount.id == count_id)
    count = uow.session.scalars(stmt.with_for_update() if for_update else stmt).first()
    if count is None:
        raise NotFound(f"cycle count {count_id} not found", code="count_not_found")
    return count


def _location_stock(uow: UnitOfWork, location_id: int, places: Sequence[Place] = ()) -> dict[int, tuple[int, int]]:
    """lot_id → (item_id, on_hand) of the stock at a location; every row there (and ``places``, where a
    posted count will put units) locked first (``lock_stock``)."""
    here = uow.session.scalars(select(Stock.id).where(Stock.location_id == location_id))
    rows = lock_stock(uow.session, ids=list(here), places=places)
    return {r.lot_id: (r.item_id, r.on_hand) for r in rows if r.location_id == location_id and r.on_hand > 0}


def _counted_by_lot(uow: UnitOfWork, cmd: RecordCount) -> dict[int, tuple[int, int]]:
    """lot_id → (item_id, counted); a lot the system lacks is created when its expiry is given."""
    s = uow.session
    items = repo.items_by_sku(s, [ln.sku for ln in cmd.lines]) if cmd.lines else {}
    result: dict[int, tuple[int, int]] = {}
    for ln in cmd.lines:
        item = items[ln.sku]
        if "expiry_date" in ln.model_fields_set:
            lot = receive_lot(s, item.id, item.sku, ln.lot, ln.expiry_date)
        else:
            lot = get_lot(s, item.id, item.sku, ln.lot)
        if lot.id in result:
            raise InvalidInput(f"lot {ln.lot} of {ln.sku} is counted twice", code="duplicate_count_line")
        result[lot.id] = (item.id, ln.quantity)
    return result
