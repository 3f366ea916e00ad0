"""Moving reserved units: a shipment's stock goes shelf → cart → packing → dock and stays reserved for it.

An allocation always says where its units are: moving them posts a ledger
operation (out of one location, into another) and points the allocation at
the stock row it landed in, with the reservation moved along.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.allocation.orm import Allocation
from wms.allocation.reserve import reserve, unreserve
from wms.inventory.ledger import StockChange, post_operation
from wms.inventory.orm import Stock, StockOperation


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


def relocate(session: Session, allocations: Sequence[Allocation], *, warehouse_id: int, to_location_id: int,
             kind: str, reason: str, reference: str | None, actor: str) -> StockOperation | None:
    """Move every unit of ``allocations`` to one location, in the ledger; they stay reserved for their lines."""
    rows = {r.id: r for r in session.execute(
        select(Stock.id, Stock.location_id, Stock.item_id, Stock.lot_id)
        .where(Stock.id.in_(sorted({a.stock_id for a in allocations})))
    )}
    moving = [a for a in allocations if rows[a.stock_id].location_id != to_location_id]
    if not moving:
        return None
    per_stock: dict[int, int] = defaultdict(int)
    for a in moving:
        per_stock[a.stock_id] += a.quantity
    unreserve(session, per_stock.items())
    changes: list[StockChange] = []
    per_lot: dict[tuple[int, int], int] = defaultdict(int)
    for stock_id, qty in per_stock.items():
        row = rows[stock_id]
        changes.append(StockChange(row.location_id, row.item_id, row.lot_id, -qty, reason))
        per_lot[(row.item_id, row.lot_id)] += qty
    changes += [StockChange(to_location_id, item_id, lot_id, qty, reason) for (item_id, lot_id), qty in per_lot.items()]
    op = post_operation(session, warehouse_id=warehouse_id, kind=kind, reference=reference, actor=actor,
                        changes=changes)
    target = dict(session.execute(
        select(Stock.lot_id, Stock.id).where(Stock.location_id == to_location_id,
                                             Stock.lot_id.in_([lot for _, lot in per_lot]))
    ).all())
    reserve(session, [(target[lot], qty) for (_, lot), qty in per_lot.items()])
    for a in moving:
        a.stock_id = target[rows[a.stock_id].lot_id]
    session.flush()
    return op
