"""Allocate an order: FEFO within warehouses, split across warehouses, merge shipments.

The order's open demand per item is matched against FEFO-usable stock in
storage locations of every warehouse (the shipments it may merge into locked
first, then the stock rows, in id order: ``inventory.stock.lock_stock``). One
warehouse that can ship everything wins at once; otherwise the CP-SAT split
chooses the fewest shipments. Within a warehouse each item is taken FEFO.
Shipments of the same customer, address and carrier that are not yet in a
wave are shared (merge).

Many orders (a chunk of a bulk push) are allocated in one transaction by
``allocate_orders``: one lock of everything they may take, the decisions in
memory order after order (``stockpile``), the writes set-based. One order goes
the same way, so both give the same outcome.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, bindparam, false, func, select, union
from sqlalchemy.orm import Session

from wms.allocation import shipments, stockpile
from wms.allocation.orm import Allocation, Shipment, ShipmentLine
from wms.allocation.stockpile import Free, ShipmentRef, Stockpile, Taken, take
from wms.bulk import insert_family
from wms.db import core
from wms.inventory.stock import Available, Dated, lock_available_dated, lock_stock, reserve


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
    return allocate_orders(session, [(order, demand)], today=today, merge=merge, time_limit_s=time_limit_s)[0]


def allocate_orders(
    session: Session,
    orders: Sequence[tuple[Demand, Mapping[int, Sequence[tuple[DemandLine, int]]]]],
    *,
    today: date,
    merge: bool,
    time_limit_s: float,
) -> list[Outcome]:
    """Reserve each order's demand (item id → [(line, units wanted)], as ``open_demand`` gives it), one order
    after another in the given order, with the outcome each would have had alone: the shipments they may
    merge into locked, then the stock of every item wanted, once; the decisions taken in memory
    (``stockpile.take``); shipments, lines, allocations and reservations written set-based."""
    pile = _load(session, [o for o, _ in orders], sorted({i for _, d in orders for i in d}), merge=merge)
    taken = [
        take(pile, _order(o), d, today=today, merge=merge, time_limit_s=time_limit_s) if d else Taken()
        for o, d in orders
    ]
    _write(session, pile, [o for o, _ in orders], taken)
    outcomes = []
    for (order, _), t in zip(orders, taken, strict=True):
        outcome = Outcome(
            [s if isinstance(s, int) else s.id for s in t.shipments], dict(t.backordered), t.solver_status
        )
        for line in order.lines:
            outcome.backordered.setdefault(line.id, 0)
        outcomes.append(outcome)
    return outcomes


def _order(d: Demand) -> stockpile.Order:
    return stockpile.Order(d.order_id, d.paid, d.merge_key, d.carrier, d.ship_date)


_JOINABLE = (  # built once: every allocation of a paid order runs it
    select(Shipment.id, Shipment.merge_key, Shipment.warehouse_id)
    .where(Shipment.merge_key.in_(bindparam("keys", expanding=True)), Shipment.status == "allocated")
    .order_by(Shipment.id)
    .with_for_update()
)


def _load(session: Session, orders: Sequence[Demand], item_ids: list[int], *, merge: bool) -> Stockpile:
    """Lock what the orders may take: the shipments they may join (before stock), then the free stock of
    their items, in id order, with the lots' expiry dates and the items' shelf lives."""
    keys = sorted({o.merge_key for o in orders if o.paid}) if merge else []
    joinable: dict[str, dict[int, ShipmentRef]] = {}
    if keys:
        for sid, key, wh in core(session).execute(_JOINABLE, {"keys": keys}):
            joinable.setdefault(key, {}).setdefault(wh, sid)  # the lowest id per warehouse
    free = lock_available_dated(session, item_ids) if item_ids else Dated([], {}, {})
    by_item: dict[int, list[Free]] = defaultdict(list)
    for r in free.rows:
        by_item[r.item_id].append(Free(r.id, r.warehouse_id, r.lot_id, r.available))
    return Stockpile(dict(by_item), free.expiry, free.shelf_life_days, joinable)


def _write(session: Session, pile: Stockpile, orders: Sequence[Demand], taken: Sequence[Taken]) -> None:
    """The shipments the pile opened, every booking's shipment line and allocations, and the reservations."""
    ids = shipments.create_many(
        session,
        [(s.warehouse_id, s.merge_key, s.carrier, f"stock reserved for order {s.order_id}") for s in pile.opened],
        actor=shipments.SYSTEM,
    )
    for s, sid in zip(pile.opened, ids, strict=True):
        s.id = sid
    bookings = [(o, *b) for o, t in zip(orders, taken, strict=True) for b in t.bookings]
    if not bookings:
        return
    per_stock: dict[int, int] = defaultdict(int)
    for _, _, _, parts in bookings:
        for stock_id, qty in parts:
            per_stock[stock_id] += qty
    reserve(session, per_stock.items())
    insert_family(
        session,
        ShipmentLine.__table__,
        [
            {
                "shipment_id": sh if isinstance(sh, int) else sh.id,
                "order_id": o.order_id,
                "order_line_id": line.id,
                "item_id": line.item_id,
                "quantity": sum(q for _, q in parts),
            }
            for o, sh, line, parts in bookings
        ],
        Allocation.__table__,
        [
            {"shipment_line_id": n, "stock_id": sid, "quantity": q}
            for n, (_, _, _, parts) in enumerate(bookings)
            for sid, q in parts
        ],
        link="shipment_line_id",
    )


def lock_for_reallocation(session: Session, order: Demand) -> None:
    """Before an order's reservations are released and made again (its carrier or address changed): lock
    its live shipments and those it may merge into, then the stock it holds and the stock it may take,
    each in id order (orders → shipments → stock, ``wms.inventory.stock``). Releasing and allocating
    then find every row held."""
    mine = select(ShipmentLine.shipment_id).where(ShipmentLine.order_id == order.order_id)
    live = Shipment.status != "cancelled"
    joinable = select(Shipment.id).where(_may_merge_into(order))  # allocated, so live
    session.execute(  # a union, not an OR: each side reads by its index (an OR read every shipment)
        select(Shipment.id).where(Shipment.id.in_(union(mine, joinable)), live).order_by(Shipment.id).with_for_update()
    )
    holds = session.scalars(
        select(Allocation.stock_id)
        .join(ShipmentLine, ShipmentLine.id == Allocation.shipment_line_id)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(ShipmentLine.order_id == order.order_id, live)
    )
    items = tuple(sorted({line.item_id for line in order.lines}))
    lock_stock(session, ids=list(holds), available=Available(items) if items else None)


def _may_merge_into(order: Demand) -> ColumnElement[bool]:
    """The shipments the order's lines may join: the same customer, address and carrier, not yet in a wave;
    only a paid order's lines join another order's shipment."""
    if not order.paid:
        return false()
    return (Shipment.merge_key == order.merge_key) & (Shipment.status == "allocated")
