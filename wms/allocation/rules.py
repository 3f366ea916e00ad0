"""Rules of allocation over plain data (pure: no database).

``split_order`` decides which warehouse ships what of an order: plain counts in,
the CP-SAT split (``solver.split``) as the optimiser, a plan per warehouse out.
``spread`` books the FEFO picks of one item over the order's lines of that item.
``allocate.allocate_order`` loads the order and the stock, asks these, and writes
the shipments, their lines and the reservations.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from wms.allocation.solver.split import SplitProblem, solve_split

Line = TypeVar("Line")  # an order line, or anything standing for one (its id in tests)
Pick = tuple[int, int]  # (stock id, units)


@dataclass(frozen=True)
class SplitPlan:
    status: str  # the solver's: "fast_path", "optimal", "feasible", "nothing_available"
    # warehouse id → item id → units, only the warehouses that ship something, in warehouse id order;
    # items in item id order, only those with units
    shipments: dict[int, dict[int, int]]
    backordered: dict[int, int]  # item id → units no warehouse can ship (0 when all can be)


def split_order(
    demand: Mapping[int, int],
    usable: Mapping[int, Mapping[int, int]],
    mergeable: Collection[int],
    *,
    time_limit_s: float,
) -> SplitPlan:
    """Which warehouse ships what: ``demand`` is item id → units wanted, ``usable`` warehouse id → item id →
    FEFO-usable units there (a warehouse or item left out has none), ``mergeable`` the warehouses that hold
    a shipment this order may join. As few shipments as possible, then as few split items, then the
    warehouses holding a mergeable shipment first, then by id (``solver.split``)."""
    item_ids = sorted(demand)
    warehouses = sorted(usable)
    plain = _one_warehouse(demand, usable, mergeable, item_ids, warehouses)
    if plain is not None:
        return plain
    want = np.array([demand[i] for i in item_ids], dtype=np.int64)
    avail = np.array([[usable[w].get(i, 0) for i in item_ids] for w in warehouses], dtype=np.int64).reshape(
        len(warehouses), len(item_ids)
    )
    # warehouses already holding a mergeable shipment come first, then by id
    ranks = np.array([0 if w in mergeable else 1 + k for k, w in enumerate(warehouses)], dtype=np.int64)
    result = solve_split(SplitProblem(want, avail, ranks, time_limit_s=time_limit_s))
    shipments = {
        wh: {item: int(q) for item, q in zip(item_ids, result.quantities[k], strict=True) if q}
        for k, wh in enumerate(warehouses)
        if result.quantities[k].sum() > 0
    }
    backordered = {item: int(b) for item, b in zip(item_ids, result.backorder, strict=True)}
    return SplitPlan(result.status, shipments, backordered)


def _one_warehouse(
    demand: Mapping[int, int],
    usable: Mapping[int, Mapping[int, int]],
    mergeable: Collection[int],
    item_ids: list[int],
    warehouses: list[int],
) -> SplitPlan | None:
    """The answer of ``solve_split``'s first two cases in plain Python (most orders: nothing available, or
    one warehouse ships all that can be shipped), without building its arrays; None for the others."""
    fill: dict[int, int] = {}
    for i in item_ids:
        total = sum(max(usable[w].get(i, 0), 0) for w in warehouses)
        fill[i] = min(demand[i], total)
    backordered = {i: demand[i] - fill[i] for i in item_ids}
    if not any(fill.values()):
        return SplitPlan("nothing_available", {}, backordered)
    # as solve_split ranks them: mergeable first, then by id; the first that ships everything wins
    for w in sorted(warehouses, key=lambda w: (w not in mergeable, w)):  # warehouses: in id order
        have = usable[w]
        if all(max(have.get(i, 0), 0) >= fill[i] for i in item_ids):
            return SplitPlan("fast_path", {w: {i: fill[i] for i in item_ids if fill[i]}}, backordered)
    return None


def spread(
    lines: Sequence[tuple[Line, int]], picks: Sequence[Pick]
) -> tuple[list[tuple[Line, list[Pick]]], list[tuple[Line, int]]]:
    """Book FEFO ``picks`` of one item over the order's ``lines`` of that item ((line, units wanted), in line
    order): each line takes from the picks in their order until it has what it wants.

    Returns the bookings ((line, [(stock id, units)]), one per line that got something, in line order;
    the last may have less than it wants) and the lines still wanting units, with what they still want."""
    todo = [(line, need) for line, need in lines if need > 0]
    left = [(stock_id, qty) for stock_id, qty in picks if qty > 0]
    booked: list[tuple[Line, list[Pick]]] = []
    while left and todo:
        line, need = todo[0]
        parts: list[Pick] = []
        while left and need:
            stock_id, qty = left[0]
            take = min(qty, need)
            parts.append((stock_id, take))
            need -= take
            if take == qty:
                left.pop(0)
            else:
                left[0] = (stock_id, qty - take)
        booked.append((line, parts))
        if need:
            todo[0] = (line, need)
        else:
            todo.pop(0)
    return booked, todo
