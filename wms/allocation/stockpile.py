"""Allocating orders one after another against stock held in memory (pure: no database).

A ``Stockpile`` is what a transaction has locked for allocation: the free units of
every stock row of the items wanted (by item, in row id order), the lots' expiry
dates, the items' shelf lives and the shipments orders may merge into (by merge key
and warehouse, the lowest id first). ``take`` allocates one order against it exactly
as if the order had come alone after the ones taken before: FEFO-usable units per
warehouse, the split solver for which warehouse ships what, FEFO picks spread over
the order's lines. It lowers the rows' free units and registers the shipments it
opens, so the next order sees both. ``allocate.allocate_orders`` loads the pile,
calls ``take`` per order in order and writes the result set-based; one order alone
goes through the same steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from wms.allocation.rules import Pick, split_order, spread
from wms.batches.fefo import Candidate, usable_quantity
from wms.batches.fefo import allocate as fefo_allocate


class Line(Protocol):
    """An order line as allocation sees it (``allocate.DemandLine``)."""

    @property
    def id(self) -> int: ...
    @property
    def item_id(self) -> int: ...


@dataclass
class Free:
    """A locked stock row and its units not reserved yet (lowered as orders take them)."""

    id: int
    warehouse_id: int
    lot_id: int
    free: int


@dataclass
class NewShipment:
    """A shipment an order of this pile opens; ``id`` is set once it is written."""

    warehouse_id: int
    merge_key: str
    carrier: str
    order_id: int
    id: int = 0


ShipmentRef = int | NewShipment  # an existing shipment's id, or one opened here


@dataclass
class Stockpile:
    rows: dict[int, list[Free]]  # item id → its rows with units, in id order (every warehouse)
    expiry: dict[int, date | None]  # lot id → expiry date
    shelf: dict[int, int]  # item id → days of shelf life left when it ships
    # merge key → warehouse → the shipment an order of that key may join there (paid orders only)
    shipments: dict[str, dict[int, ShipmentRef]] = field(default_factory=dict)
    opened: list[NewShipment] = field(default_factory=list)


@dataclass(frozen=True)
class Order:
    """The order to allocate: its id, whether it is paid (only then it may merge), merge key, carrier and
    promised ship date."""

    id: int
    paid: bool
    merge_key: str
    carrier: str
    ship_date: date


@dataclass
class Taken:
    """What ``take`` decided for one order."""

    shipments: list[ShipmentRef] = field(default_factory=list)
    bookings: list[tuple[ShipmentRef, Line, list[Pick]]] = field(default_factory=list)
    backordered: dict[int, int] = field(default_factory=dict)  # order line id → units short
    solver_status: str = ""


def take(
    pile: Stockpile,
    order: Order,
    demand: Mapping[int, Sequence[tuple[Line, int]]],
    *,
    today: date,
    merge: bool,
    time_limit_s: float,
) -> Taken:
    """Allocate ``demand`` (item id → [(line, units still wanted)], lines in line order) from the pile.
    ``backordered`` has the lines left short (only those; the caller adds the others at 0)."""
    if not demand:
        return Taken()
    item_ids = sorted(demand)
    rows = [r for i in item_ids for r in pile.rows.get(i, ()) if r.free > 0]
    by_wh_item: dict[tuple[int, int], list[Free]] = defaultdict(list)
    for i in item_ids:
        for r in pile.rows.get(i, ()):
            if r.free > 0:
                by_wh_item[(r.warehouse_id, i)].append(r)
    warehouses = sorted({r.warehouse_id for r in rows})
    joinable = pile.shipments.get(order.merge_key, {}) if merge and order.paid else {}
    mergeable = {w: sh for w, sh in joinable.items() if w in warehouses}

    def candidates(w: int, i: int) -> list[Candidate]:
        return [Candidate(r.id, pile.expiry[r.lot_id], r.free) for r in by_wh_item[(w, i)]]

    ship_date = order.ship_date
    usable: dict[int, dict[int, int]] = {w: {} for w in warehouses}  # an item left out has none there
    for w, i in by_wh_item:
        usable[w][i] = usable_quantity(
            candidates(w, i), today=today, ship_date=ship_date, min_shelf_life_days=pile.shelf[i]
        )
    plan = split_order(
        {i: sum(n for _, n in demand[i]) for i in item_ids}, usable, mergeable, time_limit_s=time_limit_s
    )
    taken = Taken(solver_status=plan.status)
    remaining = {i: list(demand[i]) for i in item_ids}
    for wh_id, items in plan.shipments.items():
        shipment = mergeable.get(wh_id) or _open(pile, order, wh_id)
        taken.shipments.append(shipment)
        for item_id, qty in items.items():
            picks = fefo_allocate(
                candidates(wh_id, item_id),
                qty,
                today=today,
                ship_date=ship_date,
                min_shelf_life_days=pile.shelf[item_id],
            )
            free = {r.id: r for r in by_wh_item[(wh_id, item_id)]}
            for stock_id, units in picks:
                free[stock_id].free -= units
            bookings, remaining[item_id] = spread(remaining[item_id], picks)
            taken.bookings += [(shipment, line, parts) for line, parts in bookings]
    for item_id in item_ids:
        for line, need in remaining[item_id]:
            taken.backordered[line.id] = need
    return taken


def _open(pile: Stockpile, order: Order, warehouse_id: int) -> NewShipment:
    shipment = NewShipment(warehouse_id, order.merge_key, order.carrier, order.id)
    pile.opened.append(shipment)
    pile.shipments.setdefault(order.merge_key, {}).setdefault(warehouse_id, shipment)
    return shipment
