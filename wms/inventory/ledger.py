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
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Insert,
    Integer,
    String,
    bindparam,
    case,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from wms.db import dialect_insert
from wms.errors import Conflict, InsufficientStock
from wms.inventory.orm import Stock, StockMovement, StockOperation
from wms.inventory.stock import Place, about_to_lock, lock_stock, now_held
from wms.orm import utcnow
from wms.precompiled import Precompiled

STOCK = Stock.__table__
STOCK_MOVEMENTS = StockMovement.__table__
STOCK_OPERATIONS = StockOperation.__table__


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
    known = [stock_id] if target_id is None else sorted({stock_id, target_id})
    about_to_lock(session, known)
    source_row = {"location_id": source.location_id, "on_hand": 0, "reserved": 0}
    target_row = {"location_id": to_location_id, "on_hand": quantity, "reserved": quantity}  # when it is new
    rows = [source_row, target_row] if target_id is None or stock_id < target_id else [target_row, source_row]
    dialect = session.get_bind().dialect.name
    db = session.connection()  # Core statements, built once: no ORM step
    changed = _MOVE.execute(
        db,
        _p(
            {
                "warehouse_id": source.warehouse_id,
                "item_id": source.item_id,
                "lot_id": source.lot_id,
                "source_location_id": source.location_id,
                "quantity": quantity,
                **{f"{name}_{n}": value for n, row in enumerate(rows) for name, value in row.items()},
            }
        ),
    ).all()
    ids = {r.location_id: r.id for r in changed}
    if ids.get(source.location_id) != stock_id or to_location_id not in ids:
        raise Conflict("reserved stock is missing", code="reservation_conflict")
    now_held(session, [(r.id, r.location_id, r.lot_id) for r in changed])
    at = utcnow()
    out = {"location_id": source.location_id, "delta": -quantity}
    into = {"location_id": to_location_id, "delta": quantity}
    moves = [out, into] if source.location_id < to_location_id else [into, out]  # as post_operation orders them
    params = _p(
        {
            "kind": kind,
            "warehouse_id": source.warehouse_id,
            "reference": reference,
            "actor": actor,
            "at": at,
            "item_id": source.item_id,
            "lot_id": source.lot_id,
            "reason": reason,
            **{f"{name}_{n}": value for n, move in enumerate(moves) for name, value in move.items()},
        }
    )
    if dialect == "postgresql":
        db.execute(_posting_statement(), params)
    else:
        params["p_operation_id"] = db.execute(_OPERATION.returning(STOCK_OPERATIONS.c.id), params).scalar_one()
        db.execute(_MOVEMENTS, params)
    return ids[to_location_id]


def _p(params: dict[str, Any]) -> dict[str, Any]:
    return {f"p_{k}": v for k, v in params.items()}


def _bind(column: str, name: str | None = None) -> BindParameter[Any]:
    return bindparam(f"p_{name or column}", type_=STOCK_MOVEMENTS.c[column].type)  # not a column's name


def _move_statement(dialect: str) -> ReturningInsert[tuple[int, int, int]]:
    """``move_reserved``'s upsert of two rows (``_0`` first, ``_1`` second), compiled once per database
    (``_MOVE``: SQLAlchemy does not cache a multi-row VALUES)."""
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_(STOCK).values(
        [
            {
                "warehouse_id": _bind("warehouse_id"),
                "item_id": _bind("item_id"),
                "lot_id": _bind("lot_id"),
                "location_id": _bind("location_id", f"location_id_{n}"),
                "on_hand": bindparam(f"p_on_hand_{n}", type_=Integer),
                "reserved": bindparam(f"p_reserved_{n}", type_=Integer),
            }
            for n in range(2)
        ]
    )
    quantity = bindparam("p_quantity", type_=Integer)
    delta = case((stmt.excluded.location_id == _bind("location_id", "source_location_id"), -quantity), else_=quantity)
    return stmt.on_conflict_do_update(
        index_elements=[STOCK.c.location_id, STOCK.c.lot_id],
        set_={"on_hand": STOCK.c.on_hand + delta, "reserved": STOCK.c.reserved + delta},
        where=STOCK.c.reserved + delta >= 0,
    ).returning(STOCK.c.id, STOCK.c.location_id, STOCK.c.lot_id)


_MOVE = Precompiled(_move_statement)

_OPERATION = insert(STOCK_OPERATIONS).values(
    kind=bindparam("p_kind", type_=String),
    warehouse_id=_bind("warehouse_id"),
    reference=_bind("reference"),
    actor=_bind("actor"),
    at=_bind("at"),
)
_MOVED = ("at", "warehouse_id", "item_id", "lot_id", "reason", "reference", "actor")
_MOVEMENTS = insert(STOCK_MOVEMENTS).values(
    [
        {
            "operation_id": bindparam("p_operation_id", type_=BigInteger),
            **{c: _bind(c) for c in _MOVED},
            "location_id": _bind("location_id", f"location_id_{n}"),
            "delta": _bind("delta", f"delta_{n}"),
        }
        for n in range(2)
    ]
)


@cache
def _posting_statement() -> Insert:
    """The operation and its two ledger rows in one statement (PostgreSQL: the operation's INSERT in a WITH)."""
    op = _OPERATION.returning(STOCK_OPERATIONS.c.id).cte("op")
    rows = [
        select(
            op.c.id,
            *(_bind(c) for c in _MOVED),
            _bind("location_id", f"location_id_{n}"),
            _bind("delta", f"delta_{n}"),
        )
        for n in range(2)
    ]
    return (
        insert(StockMovement)
        .from_select(["operation_id", *_MOVED, "location_id", "delta"], union_all(*rows))
        .add_cte(op)
    )


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
