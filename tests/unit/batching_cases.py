"""Random wave problems for the batching tests, a brute-force optimum and the invariants every wave keeps."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from tests.unit.routing_reference import route_length
from wms.inventory.layout import Layout
from wms.picking.batching.problem import BatchingProblem, CartCapacity, WaveResult
from wms.picking.routing.held_karp import held_karp
from wms.picking.routing.problem import LayoutArrays, RoutingProblem

TOL = 1e-6


def layout(rng: np.random.Generator, blocks: int = 1) -> Layout:
    aisles = int(rng.integers(2, 7))
    pitch = float(rng.choice([2.5, 3.0, 5.0]))
    return Layout(
        aisles=aisles,
        aisle_pitch_m=pitch,
        blocks=blocks,
        bays_per_block=int(rng.integers(4, 16)),
        bay_width_m=1.0,
        cross_aisle_width_m=2.0,
        levels=1,
        depot_x_m=pitch * int(rng.integers(0, aisles)) if rng.random() < 0.5 else 0.0,
    )


def problem(
    rng: np.random.Generator,
    lay: Layout,
    n_orders: int,
    max_lines: int = 3,
    max_units: int = 3,
    capacity: CartCapacity | None = None,
    **options: object,
) -> BatchingProblem:
    """Orders of 1..max_lines lines at random bays (repeats allowed), 1..max_units units, volume 0.5 per unit."""
    orders = []
    for _ in range(n_orders):
        lines = []
        for _ in range(int(rng.integers(1, max_lines + 1))):
            units = int(rng.integers(1, max_units + 1))
            bay = int(rng.integers(1, lay.bays_per_aisle + 1))
            lines.append((int(rng.integers(0, lay.aisles)), lay.bay_y(bay), units, 0.5 * units))
        orders.append(lines)
    if capacity is None:
        capacity = CartCapacity(max_orders=int(rng.integers(2, 5)), max_units=int(rng.integers(4, 10)))
    options.setdefault("time_limit_s", 0.3)
    return BatchingProblem.from_orders(
        orders, LayoutArrays.from_layout(lay), capacity, priority=rng.permutation(n_orders), **options
    )


def points(lay: Layout, p: BatchingProblem, lines: np.ndarray) -> list[tuple[float, float]]:
    return [(lay.aisle_x(int(p.line_aisle[ln]) + 1), float(p.line_y[ln])) for ln in lines.tolist()]


def optimal_length(p: BatchingProblem, lines: list[int]) -> float:
    """Shortest route through the lines' pick points (Held–Karp over the distinct points)."""
    return held_karp(RoutingProblem(aisle=p.line_aisle[lines], y=p.line_y[lines], layout=p.layout)).length


def set_partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in set_partitions(rest):
        yield [[first], *part]
        for k in range(len(part)):
            yield [*part[:k], [first, *part[k]], *part[k + 1 :]]


def fits(p: BatchingProblem, orders: list[int]) -> bool:
    n, u, v = p.capacity.limits()
    group_ok = len({int(p.order_group[o]) for o in orders}) == 1
    return (
        len(orders) <= n and p.order_units[orders].sum() <= u and p.order_volume[orders].sum() <= v + 1e-9 and group_ok
    )


def brute_force(p: BatchingProblem) -> float:
    """Least total length over every partition of the orders into carts (orders must fit a cart)."""
    cache: dict[frozenset[int], float] = {}

    def cart(orders: list[int]) -> float:
        key = frozenset(orders)
        if key not in cache:
            lines = [ln for o in orders for ln in range(p.order_start[o], p.order_start[o + 1])]
            cache[key] = optimal_length(p, lines) if fits(p, orders) else math.inf
        return cache[key]

    return min(sum(cart(c) for c in part) for part in set_partitions(list(range(p.n_orders))))


def check_wave(lay: Layout, p: BatchingProblem, result: WaveResult) -> None:
    """Every invariant a wave keeps; route lengths recomputed from the layout alone."""
    selected = set(result.selected.tolist())
    picked = np.zeros(len(p.line_aisle), dtype=np.int64)
    n_max, u_max, v_max = p.capacity.limits()
    carts_of: dict[int, int] = {}
    for pl in result.pick_lists:
        lines = pl.lines.tolist()
        assert len(lines) == len(set(lines)), "a line twice on one pick list"
        assert pl.units.sum() <= u_max and len(pl.orders) <= n_max
        assert (pl.units / p.line_units[pl.lines] * p.line_volume[pl.lines]).sum() <= v_max + 1e-9
        assert set(p.line_order[pl.lines].tolist()) == set(pl.orders) <= selected
        picked[pl.lines] += pl.units
        for o in pl.orders:
            carts_of[o] = carts_of.get(o, 0) + 1
        if p.group_by_carrier:
            assert len({int(p.carrier[o]) for o in pl.orders}) == 1, "carrier groups mixed on a cart"
        if p.deadline_group is not None:
            assert len({int(p.deadline_group[o]) for o in pl.orders}) == 1, "deadline groups mixed on a cart"
        walk = route_length(lay, points(lay, p, pl.lines))
        assert math.isclose(pl.length, walk, rel_tol=1e-9, abs_tol=TOL)
    in_wave = np.isin(p.line_order, list(selected))
    assert np.array_equal(picked[in_wave], p.line_units[in_wave]), "a line not picked exactly once"
    assert picked[~in_wave].sum() == 0
    for o in selected:
        whole = p.order_units[o] <= u_max and p.order_volume[o] <= v_max + 1e-9
        assert carts_of.get(o, 0) == 1 if whole else carts_of.get(o, 0) >= 2, (o, carts_of.get(o))
    assert math.isclose(result.total_distance, sum(pl.length for pl in result.pick_lists), abs_tol=TOL)


def same_carts(a: WaveResult, b: WaveResult) -> bool:
    return [(x.orders, x.lines.tolist(), x.length) for x in a.pick_lists] == [
        (x.orders, x.lines.tolist(), x.length) for x in b.pick_lists
    ]
