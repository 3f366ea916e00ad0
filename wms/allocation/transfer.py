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

from wms.allocation.orm import Allocation, ShipmentLine
from wms.inventory.ledger import StockChange, post_operation
from wms.inventory.stock import Place, held_id, lock_stock, placements, reserve, unreserve


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


def take_out(
    session: Session,
    allocations: Sequence[Allocation],
    *,
    warehouse_id: int,
    kind: str,
    reason: str,
    reference: str | None,
    actor: str,
) -> None:
    """The units of ``allocations`` leave the warehouse: unreserved and taken off on hand, in the ledger.
    The allocations stay, as the record of which lots went where."""
    per_stock = _per_stock(allocations)
    rows = placements(session, per_stock)
    unreserve(session, per_stock.items())  # locks the rows (lock_stock)
    post_operation(
        session,
        warehouse_id=warehouse_id,
        kind=kind,
        reference=reference,
        actor=actor,
        changes=[StockChange(r.location_id, r.item_id, r.lot_id, -per_stock[sid], reason) for sid, r in rows.items()],
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
) -> None:
    """Move every unit of ``allocations`` to one location, in the ledger; they stay reserved for their lines."""
    rows = placements(session, (a.stock_id for a in allocations))
    moving = [a for a in allocations if rows[a.stock_id].location_id != to_location_id]
    if not moving:
        return
    per_stock = _per_stock(moving)
    arriving = [Place(to_location_id, rows[sid].lot_id, rows[sid].item_id, warehouse_id) for sid in per_stock]
    lock_stock(session, ids=per_stock, places=arriving)  # where they leave and where they land, in one go
    unreserve(session, per_stock.items())
    changes: list[StockChange] = []
    per_lot: dict[tuple[int, int], int] = defaultdict(int)
    for stock_id, qty in per_stock.items():
        row = rows[stock_id]
        changes.append(StockChange(row.location_id, row.item_id, row.lot_id, -qty, reason))
        per_lot[(row.item_id, row.lot_id)] += qty
    changes += [StockChange(to_location_id, item_id, lot_id, qty, reason) for (item_id, lot_id), qty in per_lot.items()]
    post_operation(session, warehouse_id=warehouse_id, kind=kind, reference=reference, actor=actor, changes=changes)
    target = {p.lot_id: held_id(session, p) for p in arriving}
    reserve(session, [(target[lot], qty) for (_, lot), qty in per_lot.items()])
    for a in moving:
        a.stock_id = target[rows[a.stock_id].lot_id]
    session.flush()
