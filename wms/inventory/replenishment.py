"""Replenishment: pick faces have a minimum and maximum per item; a pick that takes a face below its minimum
makes a task to refill it up to the maximum from reserve locations, first expiring lot first.

Tasks are handheld work like pick lists: claimed from a queue (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL), shown with FEFO source suggestions, confirmed with what
was moved. Only free (unreserved) stock moves; one task per face is open at a time.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import model_validator
from sqlalchemy import Exists, SQLColumnExpression, exists, func, select
from sqlalchemy.orm import Session

from wms.batches.fefo import Candidate, fefo_order
from wms.batches.lots import expiry_dates, get_lot, lot_codes
from wms.commands import Command, Quantity
from wms.db import UnitOfWork, dialect_insert
from wms.errors import Conflict, Forbidden, InvalidInput, NotFound
from wms.events.outbox import record
from wms.fields import LocationCode, LotCode, Sku, WarehouseCode, cross_field_error, integer
from wms.inventory import repository as repo
from wms.inventory.ledger import StockChange, post_operation
from wms.inventory.orm import Item, Location, Stock, Warehouse
from wms.inventory.replenishment_orm import PickFace, ReplenishmentTask
from wms.orm import utcnow

ACTIVE = ("open", "claimed")


class SetPickFace(Command):
    warehouse: WarehouseCode
    location: LocationCode
    sku: Sku
    min_quantity: Annotated[int, integer(ge=0, le=1_000_000_000)]
    max_quantity: Quantity

    @model_validator(mode="after")
    def _order(self) -> SetPickFace:
        if self.max_quantity <= self.min_quantity:
            raise cross_field_error("max_not_above_min", "max_quantity must be above min_quantity")
        return self


class ClaimTask(Command):
    warehouse: WarehouseCode


class ConfirmTask(Command):
    from_location: LocationCode
    lot: LotCode
    quantity: Quantity


def set_pick_face(cmd: SetPickFace, uow: UnitOfWork) -> int:
    def work(uow: UnitOfWork) -> int:
        s = uow.session
        wh = repo.warehouse_by_code(s, cmd.warehouse)
        loc = repo.location_by_code(s, wh, cmd.location)
        if loc.kind != "storage":
            raise InvalidInput(f"{loc.code} is not a storage location", code="not_a_storage_location")
        item = repo.item_by_sku(s, cmd.sku)
        # created if new, then locked: concurrent sets of one face queue on its row instead of racing to insert
        s.execute(
            dialect_insert(s, PickFace)
            .values(warehouse_id=wh.id, location_id=loc.id, item_id=item.id, min_quantity=0, max_quantity=1)
            .on_conflict_do_nothing(index_elements=[PickFace.location_id, PickFace.item_id])
        )
        face = s.scalars(
            select(PickFace).where(PickFace.location_id == loc.id, PickFace.item_id == item.id).with_for_update()
        ).one()
        face.min_quantity, face.max_quantity = cmd.min_quantity, cmd.max_quantity
        s.flush()
        replenish_if_low(s, loc.id, item.id)
        return face.id

    return uow.run(work)


def pick_face_column(location_id: SQLColumnExpression[int], item_id: SQLColumnExpression[int]) -> Exists:
    """Whether the location is a pick face of the item (a subquery for another context's select): only
    then may taking units from it call for ``replenish_if_low``."""
    return exists().where(PickFace.location_id == location_id, PickFace.item_id == item_id)


def replenish_if_low(s: Session, location_id: int, item_id: int) -> ReplenishmentTask | None:
    """Open a task when the location is a pick face of the item, below its minimum, with none open."""
    face = s.scalars(select(PickFace).where(PickFace.location_id == location_id, PickFace.item_id == item_id)).first()
    if face is None:
        return None
    on_hand = (
        s.scalar(
            select(func.coalesce(func.sum(Stock.on_hand), 0)).where(
                Stock.location_id == location_id, Stock.item_id == item_id
            )
        )
        or 0
    )
    if on_hand >= face.min_quantity:
        return None
    if (
        s.scalar(
            select(ReplenishmentTask.id)
            .where(ReplenishmentTask.pick_face_id == face.id, ReplenishmentTask.status.in_(ACTIVE))
            .limit(1)
        )
        is not None
    ):
        return None
    task = ReplenishmentTask(
        warehouse_id=face.warehouse_id,
        pick_face_id=face.id,
        item_id=item_id,
        to_location_id=location_id,
        quantity=face.max_quantity - on_hand,
        status="open",
    )
    s.add(task)
    s.flush()
    record(
        s,
        "replenishment.created",
        {
            "task_id": task.id,
            "location": repo.location_code(s, location_id),
            "item_id": item_id,
            "quantity": task.quantity,
        },
    )
    return task


def claim_task(cmd: ClaimTask, uow: UnitOfWork, actor: str) -> int | None:
    def work(uow: UnitOfWork) -> int | None:
        s = uow.session
        wh = repo.warehouse_by_code(s, cmd.warehouse)
        mine = s.scalar(
            select(ReplenishmentTask.id)
            .where(
                ReplenishmentTask.warehouse_id == wh.id,
                ReplenishmentTask.status == "claimed",
                ReplenishmentTask.claimed_by == actor,
            )
            .order_by(ReplenishmentTask.id)
            .limit(1)
        )
        if mine is not None:
            return mine
        task = s.scalars(
            select(ReplenishmentTask)
            .where(ReplenishmentTask.warehouse_id == wh.id, ReplenishmentTask.status == "open")
            .order_by(ReplenishmentTask.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if task is None:
            return None
        task.status, task.claimed_by = "claimed", actor
        return task.id

    return uow.run(work)


def confirm_task(task_id: int, cmd: ConfirmTask, uow: UnitOfWork, actor: str, *, supervisor: bool = False) -> None:
    def work(uow: UnitOfWork) -> None:
        s = uow.session
        task = s.scalars(select(ReplenishmentTask).where(ReplenishmentTask.id == task_id).with_for_update()).first()
        if task is None:
            raise NotFound(f"replenishment task {task_id} not found", code="task_not_found")
        if task.status != "claimed":
            raise Conflict(
                f"task {task.id} is {task.status}; claim it first"
                if task.status == "open"
                else f"task {task.id} is {task.status}",
                code="task_not_claimed",
            )
        if not supervisor and task.claimed_by != actor:
            raise Forbidden(f"task {task.id} belongs to another worker", code="task_of_another_worker")
        if cmd.quantity > task.quantity:
            raise Conflict(f"the pick face takes {task.quantity}, not {cmd.quantity}", code="over_replenish")
        wh = s.get_one(Warehouse, task.warehouse_id)
        src = repo.location_by_code(s, wh, cmd.from_location)
        if src.kind != "storage" or src.id == task.to_location_id:
            raise InvalidInput(f"{src.code} is not a reserve location for this task", code="not_a_reserve_location")
        item = s.get_one(Item, task.item_id)
        lot = get_lot(s, item.id, item.sku, cmd.lot)
        if lot.expiry_date is not None and lot.expiry_date < utcnow().date():
            raise Conflict(f"lot {lot.code} expired on {lot.expiry_date}; do not replenish it", code="lot_expired")
        op = post_operation(
            s,
            warehouse_id=wh.id,
            kind="replenishment",
            reference=f"REPLENISH-{task.id}",
            actor=actor,
            changes=[
                StockChange(src.id, item.id, lot.id, -cmd.quantity, "replenish"),
                StockChange(task.to_location_id, item.id, lot.id, cmd.quantity, "replenish"),
            ],
        )
        task.status, task.moved, task.operation_id, task.done_at = "done", cmd.quantity, op.id, utcnow()

    uow.run(work)


def sources(s: Session, task: ReplenishmentTask, today: date) -> list[dict[str, Any]]:
    """Free stock of the item in reserve locations (storage, not one of its pick faces), FEFO, never expired."""
    faces = select(PickFace.location_id).where(PickFace.item_id == task.item_id)
    rows = s.execute(
        select(Stock.id, Location.code, Stock.lot_id, (Stock.on_hand - Stock.reserved).label("available"))
        .join(Location, Location.id == Stock.location_id)
        .where(
            Stock.warehouse_id == task.warehouse_id,
            Stock.item_id == task.item_id,
            Location.kind == "storage",
            Stock.on_hand > Stock.reserved,
            Stock.location_id.not_in(faces),
        )
    ).all()
    lot_ids = [r.lot_id for r in rows]
    expiry, codes = expiry_dates(s, lot_ids), lot_codes(s, lot_ids)
    by_id = {r.id: r for r in rows}
    ordered = fefo_order(
        Candidate(r.id, expiry[r.lot_id], r.available) for r in rows if (e := expiry[r.lot_id]) is None or e >= today
    )
    return [
        {
            "location": by_id[c.stock_id].code,
            "lot": codes[by_id[c.stock_id].lot_id],
            "expiry_date": c.expiry_date,
            "available": c.available,
        }
        for c in ordered
    ]


def task_warehouse(s: Session, task_id: int) -> str:
    return repo.warehouse_code_of(
        s, ReplenishmentTask, task_id, NotFound(f"replenishment task {task_id} not found", code="task_not_found")
    )


def task_detail(s: Session, task_id: int) -> dict[str, Any]:
    task = s.get(ReplenishmentTask, task_id)
    if task is None:
        raise NotFound(f"replenishment task {task_id} not found", code="task_not_found")
    return {
        "id": task.id,
        "warehouse": s.scalar(select(Warehouse.code).where(Warehouse.id == task.warehouse_id)),
        "status": task.status,
        "sku": s.scalar(select(Item.sku).where(Item.id == task.item_id)),
        "to_location": repo.location_code(s, task.to_location_id),
        "quantity": task.quantity,
        "claimed_by": task.claimed_by,
        "moved": task.moved,
        "created_at": task.created_at,
        "done_at": task.done_at,
        "sources": sources(s, task, utcnow().date()) if task.status in ACTIVE else [],
    }
