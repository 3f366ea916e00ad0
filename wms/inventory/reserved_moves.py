"""Reserved units that move or leave, many stock rows and operations at once, in a fixed number of statements.

A shipment's units move from the packing station to the dock still reserved (packing), or leave the
warehouse at the dock (shipping): each stock row's on hand and reserved change together, by the same
amount. ``post_reserved`` does for a whole batch of such operations what ``stock.unreserve`` /
``stock.reserve`` and ``ledger.post_operation`` do one by one: the rows (locked by the caller with
``lock_stock``, or here) change in one guarded statement, and the operations with their ledger rows are
written in two. The ledger rows are the ones ``post_operation`` writes: per operation, ordered by
location and lot, with the operation's time, reference and actor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from wms.bulk import add_to, insert_rows
from wms.errors import Conflict
from wms.inventory.ledger import STOCK, STOCK_MOVEMENTS, STOCK_OPERATIONS, StockChange
from wms.inventory.stock import held, lock_stock
from wms.orm import utcnow


@dataclass(frozen=True)
class ReservedChange:
    """``delta`` units of stock row ``stock_id`` (at ``change``'s location and lot), reserved before and after."""

    stock_id: int
    change: StockChange


@dataclass(frozen=True)
class Operation:
    """One ledger operation: its kind, reference and the reserved units it changes."""

    warehouse_id: int
    kind: str
    reference: str
    actor: str
    changes: Sequence[ReservedChange]


def post_reserved(session: Session, operations: Sequence[Operation]) -> None:
    """Apply every operation's changes to on hand and reserved alike and write the operations to the ledger.
    A row without the reserved units to give is a 409 ``reservation_conflict`` (the caller rolls back)."""
    per_row: dict[int, int] = defaultdict(int)
    for op in operations:
        for c in op.changes:
            per_row[c.stock_id] += c.change.delta
    amounts = sorted((sid, d) for sid, d in per_row.items() if d)
    if not {sid for sid, _ in amounts} <= held(session).ids:
        lock_stock(session, ids=(sid for sid, _ in amounts))
    if add_to(session, STOCK, ("on_hand", "reserved"), amounts, guard="reserved + {amount} >= 0") != len(amounts):
        raise Conflict("reserved stock is missing", code="reservation_conflict")
    write_ledger(session, operations)


def write_ledger(session: Session, operations: Sequence[Operation]) -> None:
    """The operations and their ledger rows (as ``post_operation`` writes them), in two statements."""
    if not operations:
        return
    at = utcnow()
    ids = insert_rows(
        session,
        STOCK_OPERATIONS,
        [
            {"kind": op.kind, "warehouse_id": op.warehouse_id, "reference": op.reference, "actor": op.actor, "at": at}
            for op in operations
        ],
        returning_ids=True,
    )
    references = [op.reference or f"{op.kind.upper()}-{op_id}" for op_id, op in zip(ids, operations, strict=True)]
    unnamed = [(op_id, ref) for op_id, ref, op in zip(ids, references, operations, strict=True) if not op.reference]
    if unnamed:  # as post_operation names an operation without a reference: by its kind and id
        session.execute(
            update(STOCK_OPERATIONS)
            .where(STOCK_OPERATIONS.c.id == bindparam("op_id"))
            .values(reference=bindparam("ref")),
            [{"op_id": op_id, "ref": ref} for op_id, ref in unnamed],
        )
    rows = [
        {
            "operation_id": op_id,
            "at": at,
            "warehouse_id": op.warehouse_id,
            "location_id": c.location_id,
            "item_id": c.item_id,
            "lot_id": c.lot_id,
            "delta": c.delta,
            "reason": c.reason,
            "reference": reference,
            "actor": op.actor,
        }
        for op_id, reference, op in zip(ids, references, operations, strict=True)
        for c in sorted((rc.change for rc in op.changes), key=lambda c: (c.location_id, c.lot_id))
    ]
    insert_rows(session, STOCK_MOVEMENTS, rows)
