"""Moving reserved units: a shipment's stock goes shelf → cart → packing → dock and stays reserved for it.

An allocation always says where its units are: moving them posts a ledger
operation (out of one location, into another) and points the allocation at
the stock row it landed in, with the reservation moved along.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from wms.allocation.orm import Allocation, ShipmentLine
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


def shipment_allocations(session: Session, shipment_id: int) -> list[Allocation]:
    return list(
        session.scalars(
            select(Allocation)
            .join(ShipmentLine, ShipmentLine.id == Allocation.shipment_line_id)
            .where(ShipmentLine.shipment_id == shipment_id)
            .order_by(Allocation.id)
        )
    )


def _per_stock(allocations: Sequence[Allocation]) -> dict[int, int]:
    per_stock: dict[int, int] = defaultdict(int)
    for a in allocations:
        per_stock[a.stock_id] += a.quantity
    return per_stock


def _rows(session: Session, stock_ids: Iterable[int]) -> dict[int, Row]:
    return {
        r.id: r
        for r in session.execute(
            select(Stock.id, Stock.location_id, Stock.item_id, Stock.lot_id).where(Stock.id.in_(sorted(set(stock_ids))))
        )
    }


def take_out(
    session: Session,
    allocations: Sequence[Allocation],
    *,
    warehouse_id: int,
    kind: str,
    reason: str,
    reference: str | None,
    actor: str,
) -> StockOperation:
    """The units of ``allocations`` leave the warehouse: unreserved and taken off on hand, in the ledger.
    The allocations stay, as the record of which lots went where."""
    per_stock = _per_stock(allocations)
    unreserve(session, per_stock.items())
    rows = _rows(session, per_stock)
    return post_operation(
        session,
        warehouse_id=warehouse_id,
        kind=kind,
        reference=reference,
        actor=actor,
        changes=[StockChange(r.location_id, r.item_id, r.lot_id, -per_stock[r.id], reason) for r in rows.values()],
    )


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
) -> StockOperation | None:
    """Move every unit of ``allocations`` to one location, in the ledger; they stay reserved for their lines."""
    rows = _rows(session, (a.stock_id for a in allocations))
    moving = [a for a in allocations if rows[a.stock_id].location_id != to_location_id]
    if not moving:
        return None
    per_stock = _per_stock(moving)
    unreserve(session, per_stock.items())
    changes: list[StockChange] = []
    per_lot: dict[tuple[int, int], int] = defaultdict(int)
    for stock_id, qty in per_stock.items():
        row = rows[stock_id]
        changes.append(StockChange(row.location_id, row.item_id, row.lot_id, -qty, reason))
        per_lot[(row.item_id, row.lot_id)] += qty
    changes += [StockChange(to_location_id, item_id, lot_id, qty, reason) for (item_id, lot_id), qty in per_lot.items()]
    op = post_operation(
        session, warehouse_id=warehouse_id, kind=kind, reference=reference, actor=actor, changes=changes
    )
    target = dict(
        session.execute(
            select(Stock.lot_id, Stock.id).where(
                Stock.location_id == to_location_id, Stock.lot_id.in_([lot for _, lot in per_lot])
            )
        ).all()
    )
    reserve(session, [(target[lot], qty) for (_, lot), qty in per_lot.items()])
    for a in moving:
        a.stock_id = target[rows[a.stock_id].lot_id]
    session.flush()
    return op
