"""The one place where on-hand quantities change.

Every change is a conditional SQL update (or an upsert) on the stock row and
a ledger row in the same transaction. Every row is locked first, in id order,
with the rest of the use case's stock (``stock.lock_stock``). A
decrease that would take on hand below what is reserved (or below zero) is
refused with ``InsufficientStock`` and the caller's transaction rolls back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from wms.db import dialect_insert
from wms.errors import InsufficientStock
from wms.inventory.orm import Stock, StockMovement, StockOperation
from wms.inventory.stock import Place, lock_stock
from wms.orm import utcnow

STOCK = Stock.__table__


@dataclass(frozen=True)
class StockChange:
    location_id: int
    item_id: int
    lot_id: int
    delta: int
    reason: str


def post_operation(
    session: Session,
    *,
    warehouse_id: int,
    kind: str,
    reference: str | None,
    actor: str,
    changes: Iterable[StockChange],
) -> StockOperation:
    """Apply ``changes`` to stock and write them to the ledger as one operation."""
    op = StockOperation(kind=kind, warehouse_id=warehouse_id, reference=reference or "", actor=actor, at=utcnow())
    session.add(op)
    session.flush()
    if not reference:
        op.reference = f"{kind.upper()}-{op.id}"
    ordered = sorted(changes, key=lambda c: (c.location_id, c.lot_id))
    lock_stock(session, places=places(warehouse_id, ordered))
    for change in ordered:
        _apply(session, warehouse_id, change)
    if ordered:
        session.execute(
            insert(StockMovement),
            [
                {
                    "operation_id": op.id,
                    "at": op.at,
                    "warehouse_id": warehouse_id,
                    "location_id": c.location_id,
                    "item_id": c.item_id,
                    "lot_id": c.lot_id,
                    "delta": c.delta,
                    "reason": c.reason,
                    "reference": op.reference,
                    "actor": actor,
                }
                for c in ordered
            ],
        )
    return op


def places(warehouse_id: int, changes: Iterable[StockChange]) -> list[Place]:
    """The stock rows ``changes`` touch, to lock with the rest of a use case's stock (``lock_stock``)."""
    return [Place(c.location_id, c.lot_id, c.item_id, warehouse_id) for c in changes]


def _apply(session: Session, warehouse_id: int, change: StockChange) -> None:
    if change.delta > 0:
        _increase(session, warehouse_id, change)
    elif change.delta < 0:
        _decrease(session, change)
    else:
        raise ValueError("a stock change needs a non-zero delta")


def _increase(session: Session, warehouse_id: int, change: StockChange) -> None:
    stmt = dialect_insert(session, STOCK).values(
        warehouse_id=warehouse_id,
        location_id=change.location_id,
        item_id=change.item_id,
        lot_id=change.lot_id,
        on_hand=change.delta,
        reserved=0,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[STOCK.c.location_id, STOCK.c.lot_id],
        set_={"on_hand": STOCK.c.on_hand + stmt.excluded.on_hand},
    )
    session.execute(stmt)


def _decrease(session: Session, change: StockChange) -> None:
    stmt = (
        update(STOCK)
        .where(
            STOCK.c.location_id == change.location_id,
            STOCK.c.lot_id == change.lot_id,
            STOCK.c.on_hand + change.delta >= STOCK.c.reserved,
        )
        .values(on_hand=STOCK.c.on_hand + change.delta)
        .returning(STOCK.c.id)
    )
    if session.execute(stmt).first() is None:
        row = session.execute(
            select(STOCK.c.on_hand, STOCK.c.reserved).where(
                STOCK.c.location_id == change.location_id, STOCK.c.lot_id == change.lot_id
            )
        ).first()
        on_hand, reserved = (row.on_hand, row.reserved) if row else (0, 0)
        raise InsufficientStock(
            f"only {on_hand - reserved} available, {-change.delta} needed",
            details={
                "on_hand": on_hand,
                "reserved": reserved,
                "available": on_hand - reserved,
                "requested": -change.delta,
            },
        )
