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

from sqlalchemy import case, insert, literal, select, union_all, update
from sqlalchemy.orm import Session

from wms.db import dialect_insert
from wms.errors import Conflict, InsufficientStock
from wms.inventory.orm import Stock, StockMovement, StockOperation
from wms.inventory.stock import Place, about_to_lock, lock_stock, now_held
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


def move_reserved(
    session: Session,
    *,
    stock_id: int,
    source: Place,
    to_location_id: int,
    target_id: int | None,
    quantity: int,
    kind: str,
    reason: str,
    reference: str,
    actor: str,
) -> int:
    """Move ``quantity`` reserved units of the stock row ``stock_id`` (at ``source``) to the same lot at
    ``to_location_id`` (the row ``target_id``, or a new one), still reserved, and post the move; returns the
    target row's id. What ``unreserve``, ``post_operation`` and ``reserve`` do for such a move, in two
    statements on PostgreSQL (three on SQLite): one upsert changes both rows, locking them in id order (the
    existing ones in the order of its VALUES, a new row last, with an id above all), and one writes the
    operation with its ledger rows. Conflict ``reservation_conflict`` (the caller rolls back) when the source
    row does not hold ``quantity`` reserved units."""
    target = Place(to_location_id, source.lot_id, source.item_id, source.warehouse_id)
    known = [stock_id] if target_id is None else sorted({stock_id, target_id})
    about_to_lock(session, known)
    rank = {row_id: n for n, row_id in enumerate(known)}
    rows = sorted(
        [(rank[stock_id], source, 0), (len(known) if target_id is None else rank[target_id], target, quantity)],
        key=lambda r: r[0],
    )
    stmt = dialect_insert(session, STOCK).values(
        [
            {
                "warehouse_id": p.warehouse_id,
                "location_id": p.location_id,
                "item_id": p.item_id,
                "lot_id": p.lot_id,
                "on_hand": units,  # a new row: the target, arriving with its units reserved
                "reserved": units,
            }
            for _, p, units in rows
        ]
    )
    delta = case((stmt.excluded.location_id == source.location_id, -quantity), else_=quantity)
    changed = session.execute(
        stmt.on_conflict_do_update(
            index_elements=[STOCK.c.location_id, STOCK.c.lot_id],
            set_={"on_hand": STOCK.c.on_hand + delta, "reserved": STOCK.c.reserved + delta},
            where=STOCK.c.reserved + delta >= 0,
        ).returning(STOCK.c.id, STOCK.c.location_id, STOCK.c.lot_id)
    ).all()
    ids = {r.location_id: r.id for r in changed}
    if ids.get(source.location_id) != stock_id or to_location_id not in ids:
        raise Conflict("reserved stock is missing", code="reservation_conflict")
    now_held(session, [(r.id, r.location_id, r.lot_id) for r in changed])
    changes = sorted(
        [
            StockChange(source.location_id, source.item_id, source.lot_id, -quantity, reason),
            StockChange(to_location_id, source.item_id, source.lot_id, quantity, reason),
        ],
        key=lambda c: (c.location_id, c.lot_id),
    )
    _write_operation(session, source.warehouse_id, kind, reference, actor, changes)
    return ids[to_location_id]


def _write_operation(
    session: Session, warehouse_id: int, kind: str, reference: str, actor: str, changes: list[StockChange]
) -> None:
    """An operation and its ledger rows: one statement on PostgreSQL (the operation's INSERT in a WITH)."""
    at = utcnow()
    op = insert(StockOperation).values(kind=kind, warehouse_id=warehouse_id, reference=reference, actor=actor, at=at)
    columns = StockMovement.__table__.c
    rows = [
        {
            "at": at,
            "warehouse_id": warehouse_id,
            "location_id": c.location_id,
            "item_id": c.item_id,
            "lot_id": c.lot_id,
            "delta": c.delta,
            "reason": c.reason,
            "reference": reference,
            "actor": actor,
        }
        for c in changes
    ]
    if session.get_bind().dialect.name != "postgresql":
        op_id = session.execute(op.returning(StockOperation.id)).scalar_one()
        session.execute(insert(StockMovement).values([{"operation_id": op_id, **r} for r in rows]))
        return
    written = op.returning(StockOperation.id).cte("op")
    selects = [select(written.c.id, *(literal(value, columns[name].type) for name, value in r.items())) for r in rows]
    session.execute(insert(StockMovement).from_select(["operation_id", *rows[0]], union_all(*selects)).add_cte(written))


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
