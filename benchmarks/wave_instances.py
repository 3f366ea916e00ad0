"""Seeded wave-planning instances: the B2B and e-commerce profiles, and a multi-block variant.

Plain functions returning a ``BatchingProblem``; the same seed gives the same
instance. Every profile keeps the depot at the front-left corner (x = 0), as
in the order-batching literature (Henn & Wäscher 2012; Scholz & Wäscher 2017).

* ``b2b``: 10 aisles × 45 bays, one block, bays 1 m wide, aisle centre lines
  5 m apart, front cross aisle 2 m deep (the depot is 1.5 m from the first bay),
  i.e. the warehouse of Henn et al. 2010. 100 orders of 5-25 items (uniform),
  each item one unit at a uniformly random storage location (aisle, bay,
  side); cart capacity 45 items (units). ``depot_x_m`` moves the depot (for
  what-if bounds only; the profile keeps it at 0).
* ``ecommerce``: 30 aisles × 150 bays × 2 sides (9,000 slots), one block, bays
  1 m, aisles 3 m apart, cross aisles 3 m deep. One SKU per slot (random
  slotting), SKU popularity Zipf(1.0). 1,000 orders with 1 / 2 / 3 / 4 / 5-8
  lines at 55 / 25 / 10 / 5 / 5 %, distinct SKUs per order drawn by
  popularity, 1 unit per line (an item is a unit, as in ``b2b``) unless
  ``quantities`` is set (then quantities as the project's order generator:
  mostly 1-3, up to 12). Cart capacity 24 items (units).
* ``multi_block``: the e-commerce profile on 3 blocks (30 aisles × 3 × 50 bays,
  2 middle cross aisles), 300 orders by default.

Priority ranks: ship-by deadline (one of a few cut-offs), then arrival.
Carrier groups: one of ``N_CARRIERS``, uniformly.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from wms.inventory.layout import Layout
from wms.picking.batching.problem import BatchingProblem, CartCapacity
from wms.picking.routing.problem import LayoutArrays

N_CARRIERS = 3
B2B_LAYOUT = Layout(
    aisles=10,
    aisle_pitch_m=5.0,
    blocks=1,
    bays_per_block=45,
    bay_width_m=1.0,
    cross_aisle_width_m=2.0,
    levels=1,
    depot_x_m=0.0,
)
ECOM_LAYOUT = Layout(
    aisles=30,
    aisle_pitch_m=3.0,
    blocks=1,
    bays_per_block=150,
    bay_width_m=1.0,
    cross_aisle_width_m=3.0,
    levels=1,
    depot_x_m=0.0,
)
MULTI_LAYOUT = Layout(
    aisles=30,
    aisle_pitch_m=3.0,
    blocks=3,
    bays_per_block=50,
    bay_width_m=1.0,
    cross_aisle_width_m=3.0,
    levels=1,
    depot_x_m=0.0,
)
LINES = np.array([1, 2, 3, 4, 5, 6, 7, 8])
LINES_P = np.array([0.55, 0.25, 0.10, 0.05, 0.0125, 0.0125, 0.0125, 0.0125])
QUANTITIES = np.array([1, 2, 3, 4, 5, 6, 10, 12])
QUANTITIES_P = np.array([0.70, 0.17, 0.07, 0.025, 0.015, 0.01, 0.005, 0.005])


def _slots(layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """(aisle 0-based, y) of every storage slot (aisle, bay, side), sides adjacent."""
    aisle = np.repeat(np.arange(layout.aisles), layout.bays_per_aisle * 2)
    bay = np.tile(np.repeat(np.arange(1, layout.bays_per_aisle + 1), 2), layout.aisles)
    y = np.array([layout.bay_y(b) for b in range(1, layout.bays_per_aisle + 1)])[bay - 1]
    return aisle.astype(np.int64), y


def _priorities(rng: np.random.Generator, n: int) -> np.ndarray:
    """Rank by (ship-by cut-off, arrival): arrival is the index, cut-offs 1-4 at random."""
    cutoff = rng.integers(0, 4, n)
    order = np.lexsort((np.arange(n), cutoff))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank


def _problem(
    layout: Layout,
    orders: list[np.ndarray],
    slot_aisle: np.ndarray,
    slot_y: np.ndarray,
    units: list[np.ndarray],
    capacity: CartCapacity,
    rng: np.random.Generator,
    time_limit_s: float,
    seed: int,
) -> BatchingProblem:
    slots = np.concatenate(orders)
    qty = np.concatenate(units).astype(np.int64)
    start = np.concatenate([[0], np.cumsum([len(o) for o in orders])]).astype(np.int64)
    return BatchingProblem(
        order_start=start,
        line_aisle=slot_aisle[slots],
        line_y=slot_y[slots],
        line_units=qty,
        line_volume=qty * 1.0,
        priority=_priorities(rng, len(orders)),
        layout=LayoutArrays.from_layout(layout),
        capacity=capacity,
        carrier=rng.integers(0, N_CARRIERS, len(orders)).astype(np.int64),
        time_limit_s=time_limit_s,
        seed=seed,
    )


def b2b(
    seed: int, n_orders: int = 100, cart_units: int = 45, time_limit_s: float = 2.0, depot_x_m: float = 0.0
) -> BatchingProblem:
    """The B2B profile; ``depot_x_m`` moves the depot along the front cross aisle (same orders)."""
    rng = np.random.default_rng(seed)
    layout = replace(B2B_LAYOUT, depot_x_m=depot_x_m)
    slot_aisle, slot_y = _slots(layout)
    orders = [rng.integers(0, len(slot_aisle), int(rng.integers(5, 26))) for _ in range(n_orders)]
    units = [np.ones(len(o)) for o in orders]
    return _problem(
        layout, orders, slot_aisle, slot_y, units, CartCapacity(max_units=cart_units), rng, time_limit_s, seed
    )


def ecommerce(
    seed: int,
    n_orders: int = 1000,
    cart_units: int = 24,
    time_limit_s: float = 10.0,
    layout: Layout = ECOM_LAYOUT,
    quantities: bool = False,
) -> BatchingProblem:
    rng = np.random.default_rng(seed)
    slot_aisle, slot_y = _slots(layout)
    sku_slot = rng.permutation(len(slot_aisle))  # SKU k (k-th most popular) sits in slot sku_slot[k]
    weights = 1.0 / np.arange(1, len(sku_slot) + 1)
    weights /= weights.sum()
    orders, units = [], []
    for _ in range(n_orders):
        k = int(rng.choice(LINES, p=LINES_P))
        orders.append(sku_slot[rng.choice(len(sku_slot), size=k, replace=False, p=weights)])
        units.append(rng.choice(QUANTITIES, size=k, p=QUANTITIES_P) if quantities else np.ones(k))
    return _problem(
        layout, orders, slot_aisle, slot_y, units, CartCapacity(max_units=cart_units), rng, time_limit_s, seed
    )


def multi_block(seed: int, n_orders: int = 300, cart_units: int = 24, time_limit_s: float = 10.0) -> BatchingProblem:
    return ecommerce(seed, n_orders, cart_units, time_limit_s, layout=MULTI_LAYOUT)


PROFILES = {"b2b": b2b, "ecommerce": ecommerce, "multi_block": multi_block}
