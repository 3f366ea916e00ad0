"""Allocate an order: FEFO within warehouses, split across warehouses, merge shipments.

The order's open demand per item is matched against FEFO-usable stock in
storage locations of every warehouse (the shipments it may merge into locked
first, then the stock rows, in id order: ``inventory.stock.lock_stock``). One
warehouse that can ship everything wins at once; otherwise the CP-SAT split
chooses the fewest shipments. Within a warehouse each item is taken FEFO.
Shipments of the same customer, address and carrier that are not yet in a
wave are shared (merge).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session

from wms.allocation import shipments
from wms.allocation.orm import Allocation, Shipment, ShipmentLine
from wms.allocation.rules import split_order, spread
from wms.batches.fefo import Candidate, usable_quantity
from wms.batches.fefo import allocate as fefo_allocate
from wms.batches.lots import expiry_dates
from wms.inventory.repository import shelf_lives
from wms.inventory.stock import Available, lock_available, lock_stock, reserve


@dataclass
class Outcome:
    shipment_ids: list[int] = field(default_factory=list)
    backordered: dict[int, int] = field(default_factory=dict)  # order_line_id → units short
    solver_status: str = ""

    @property
    def complete(self) -> bool:
        return not any(self.backordered.values())


@dataclass(frozen=True)
class DemandLine:
    """One line of what is to be allocated (an order line: its id, item and units ordered)."""

    id: int
    item_id: int
    quantity: int


@dataclass(frozen=True)
class Demand:
    """What to allocate, as plain data: the orders context builds it from an order and its lines (in line
    order) and writes the outcome back; allocation knows nothing else of orders."""

    order_id: int
    paid: bool  # only a paid order's lines may join another order's shipment (merge)
    merge_key: str
    carrier: str
    ship_date: date  # the promised ship date: a lot must still be good enough then
    lines: tuple[DemandLine, ...]


def open_demand(session: Session, order: Demand) -> dict[int, list[tuple[DemandLine, int]]]:
    """item_id → [(line, units not yet in a live shipment)]."""
    done = dict(
        session.execute(
            select(ShipmentLine.order_line_id, func.sum(ShipmentLine.quantity))
            .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .where(ShipmentLine.order_id == order.order_id, Shipment.status != "cancelled")
            .group_by(ShipmentLine.order_line_id)
        ).all()
    )
    demand: dict[int, list[tuple[DemandLine, int]]] = defaultdict(list)
    for line in order.lines:
        need = line.quantity - int(done.get(line.id, 0))
        if need > 0:
            demand[line.item_id].append((line, need))
    return demand


def allocate_order(session: Session, order: Demand, *, today: date, merge: bool, time_limit_s: float) -> Outcome:
    """Reserve the order's open demand; ``backordered`` has every line with units left short (0 or more)."""
    demand = open_demand(session, order)
    if not demand:
        return Outcome()
    item_ids = sorted(demand)
    mergeable = _mergeable_shipments(session, order) if merge else {}  # shipments before stock
    rows = lock_available(session, Available(tuple(item_ids)))
    mergeable = {w: sh for w, sh in mergeable.items() if any(r.warehouse_id == w for r in rows)}
    expiry = expiry_dates(session, (r.lot_id for r in rows))
    shelf = shelf_lives(session, item_ids)
    ship_date = order.ship_date
    warehouses = sorted({r.warehouse_id for r in rows})
    by_wh_item: dict[tuple[int, int], list[Candidate]] = defaultdict(list)
    for r in rows:
        by_wh_item[(r.warehouse_id, r.item_id)].append(Candidate(r.id, expiry[r.lot_id], r.available))
    usable = {
        w: {
            i: usable_quantity(by_wh_item[(w, i)], today=today, ship_date=ship_date, min_shelf_life_days=shelf[i])
            for i in item_ids
        }
        for w in warehouses
    }
    plan = split_order(
        {i: sum(n for _, n in demand[i]) for i in item_ids}, usable, mergeable, time_limit_s=time_limit_s
    )
    outcome = Outcome(solver_status=plan.status)
    remaining = {i: list(demand[i]) for i in item_ids}
    booked: list[tuple[ShipmentLine, list[tuple[int, int]]]] = []
    for wh_id, items in plan.shipments.items():
        shipment = mergeable.get(wh_id) or _new_shipment(session, order, wh_id)
        outcome.shipment_ids.append(shipment.id)
        for item_id, qty in items.items():
            picks = fefo_allocate(
                by_wh_item[(wh_id, item_id)], qty, today=today, ship_date=ship_date, min_shelf_life_days=shelf[item_id]
            )
            _book(session, order, shipment, remaining[item_id], picks, booked)
    per_stock: dict[int, int] = defaultdict(int)
    for _, parts in booked:
        for stock_id, qty in parts:
            per_stock[stock_id] += qty
    reserve(session, per_stock.items())
    session.flush()  # every shipment line in one batch, then every allocation in one
    session.add_all(
        Allocation(shipment_line_id=sl.id, stock_id=sid, quantity=q) for sl, parts in booked for sid, q in parts
    )
    session.flush()
    for item_id in item_ids:
        for line, need in remaining[item_id]:
            outcome.backordered[line.id] = need
    for line in order.lines:
        outcome.backordered.setdefault(line.id, 0)
    return outcome


def lock_for_reallocation(session: Session, order: Demand) -> None:
    """Before an order's reservations are released and made again (its carrier or address changed): lock
    its live shipments and those it may merge into, then the stock it holds and the stock it may take,
    each in id order (orders → shipments → stock, ``wms.inventory.stock``). Releasing and allocating
    then find every row held."""
    mine = select(ShipmentLine.shipment_id).where(ShipmentLine.order_id == order.order_id)
    live = Shipment.status != "cancelled"
    session.execute(
        select(Shipment.id)
        .where((Shipment.id.in_(mine) & live) | _may_merge_into(order))
        .order_by(Shipment.id)
        .with_for_update()
    )
    holds = session.scalars(
        select(Allocation.stock_id)
        .join(ShipmentLine, ShipmentLine.id == Allocation.shipment_line_id)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(ShipmentLine.order_id == order.order_id, live)
    )
    items = tuple(sorted({line.item_id for line in order.lines}))
    lock_stock(session, ids=list(holds), available=Available(items) if items else None)


def _mergeable_shipments(session: Session, order: Demand) -> dict[int, Shipment]:
    """warehouse → the shipment the order's lines there may join, locked (a wave starting now waits)."""
    if not order.paid:
        return {}
    found = session.scalars(
        select(Shipment).where(_may_merge_into(order)).order_by(Shipment.id).with_for_update()
    ).all()
    return {s.warehouse_id: s for s in reversed(found)}


def _may_merge_into(order: Demand) -> ColumnElement[bool]:
    """The shipments the order's lines may join: the same customer, address and carrier, not yet in a wave;
    only a paid order's lines join another order's shipment."""
    if not order.paid:
        return false()
    return (Shipment.merge_key == order.merge_key) & (Shipment.status == "allocated")


def _new_shipment(session: Session, order: Demand, warehouse_id: int) -> Shipment:
    return shipments.create(
        session,
        warehouse_id=warehouse_id,
        merge_key=order.merge_key,
        carrier=order.carrier,
        cause=f"stock reserved for order {order.order_id}",
        actor=shipments.SYSTEM,
    )


def _book(
    session: Session,
    order: Demand,
    shipment: Shipment,
    lines: list[tuple[DemandLine, int]],
    picks: list[tuple[int, int]],
    booked: list[tuple[ShipmentLine, list[tuple[int, int]]]],
) -> None:
    """Spread FEFO picks over the order's lines of one item, in line order (``rules.spread``). The new shipment
    lines and their (stock, units) go to ``booked``; the caller reserves the stock and writes them. ``lines``
    is left with what is still wanted."""
    bookings, lines[:] = spread(lines, picks)
    for line, parts in bookings:
        sl = ShipmentLine(
            shipment_id=shipment.id,
            order_id=order.order_id,
            order_line_id=line.id,
            item_id=line.item_id,
            quantity=sum(q for _, q in parts),
        )
        session.add(sl)
        booked.append((sl, parts))
