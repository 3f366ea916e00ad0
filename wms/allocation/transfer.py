"""Moving reserved units: a shipment's stock goes shelf → cart → packing → dock and stays reserved for it.

An allocation always says where its units are: moving them posts a ledger
operation (out of one location, into another) and points the allocation at
the stock row it landed in, with the reservation moved along.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.orm import Session

from wms.allocation.orm import Allocation
from wms.allocation.queries import Unit
from wms.inventory.ledger import StockChange
from wms.inventory.reserved_moves import Operation, ReservedChange, post_reserved
from wms.inventory.stock import Place, held_id, lock_stock, placements


def split_off(session: Session, allocation: Allocation, quantity: int) -> Allocation:
    """An allocation of exactly ``quantity`` units: ``allocation`` itself, or a part split from it."""
    if not 0 < quantity <= allocation.quantity:
        raise ValueError(f"cannot split {quantity} off an allocation of {allocation.quantity}")
    if quantity == allocation.quantity:
        return allocation
    allocation.quantity -= quantity
    part = Allocation(shipment_line_id=allocation.shipment_line_id, stock_id=allocation.stock_id, quantity=quantity)
    session.add(part)
    session.flush()
    return part


class Held(Protocol):
    """Reserved units in a stock row: an allocation, or a ``queries.Unit``."""

    @property
    def stock_id(self) -> int: ...

    @property
    def quantity(self) -> int: ...


def _per_stock(allocations: Sequence[Held]) -> dict[int, int]:
    per_stock: dict[int, int] = defaultdict(int)
    for a in allocations:
        per_stock[a.stock_id] += a.quantity
    return per_stock


def take_out_units(
    session: Session, shipments: Sequence[tuple[str, Sequence[Unit]]], *, kind: str, reason: str, actor: str
) -> None:
    """``take_out`` for several shipments at once, each its own operation (``reference``, its units): their
    rows are locked together, in id order, and changed in one statement."""
    operations = []
    for reference, units in shipments:
        rows = {u.stock_id: Place(u.location_id, u.lot_id, u.item_id, u.warehouse_id) for u in units}
        operations.append(leaving(units, rows, units[0].warehouse_id, kind, reason, reference, actor))
    post_reserved(session, operations)


def leaving(
    held: Sequence[Held],
    rows: dict[int, Place],
    warehouse_id: int,
    kind: str,
    reason: str,
    reference: str,
    actor: str,
) -> Operation:
    """The operation that takes the units ``held`` (in the stock rows ``rows``) out of the warehouse."""
    per_stock = _per_stock(held)
    changes = [
        ReservedChange(sid, StockChange(r.location_id, r.item_id, r.lot_id, -per_stock[sid], reason))
        for sid, r in rows.items()
    ]
    return Operation(warehouse_id, kind, reference, actor, changes)


def relocate(
    session: Session,
    allocations: Sequence[Allocation],
    *,
    warehouse_id: int,
    to_location_id: int,
    kind: str,
    reason: str,
    reference: str | None,
    actor: str,
) -> None:
    """Move every unit of ``allocations`` to one location, in the ledger; they stay reserved for their lines."""
    rows = placements(session, (a.stock_id for a in allocations))
    moving = [a for a in allocations if rows[a.stock_id].location_id != to_location_id]
    target = move_reserved_units(
        session,
        moving,
        rows,
        warehouse_id=warehouse_id,
        to_location_id=to_location_id,
        kind=kind,
        reason=reason,
        reference=reference,
        actor=actor,
    )
    for a in moving:
        a.stock_id = target[rows[a.stock_id].lot_id]
    session.flush()


def move_reserved_units(
    session: Session,
    moving: Sequence[Held],
    rows: dict[int, Place],
    *,
    warehouse_id: int,
    to_location_id: int,
    kind: str,
    reason: str,
    reference: str | None,
    actor: str,
) -> dict[int, int]:
    """Move the units ``moving`` (in the stock rows ``rows``, none at ``to_location_id``) there, still
    reserved, as one operation; returns lot id → the stock row they landed in. The caller points the
    allocations at it."""
    if not moving:
        return {}
    per_stock = _per_stock(moving)
    arriving = [Place(to_location_id, rows[sid].lot_id, rows[sid].item_id, warehouse_id) for sid in per_stock]
    lock_stock(session, ids=per_stock, places=arriving)  # where they leave and where they land, in one go
    target = {p.lot_id: held_id(session, p) for p in arriving}
    changes: list[ReservedChange] = []
    per_lot: dict[tuple[int, int], int] = defaultdict(int)
    for stock_id, qty in per_stock.items():
        row = rows[stock_id]
        changes.append(ReservedChange(stock_id, StockChange(row.location_id, row.item_id, row.lot_id, -qty, reason)))
        per_lot[(row.item_id, row.lot_id)] += qty
    changes += [
        ReservedChange(target[lot_id], StockChange(to_location_id, item_id, lot_id, qty, reason))
        for (item_id, lot_id), qty in per_lot.items()
    ]
    post_reserved(session, [Operation(warehouse_id, kind, reference or "", actor, changes)])
    return target
