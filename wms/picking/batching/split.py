"""Splitting an order that alone exceeds a cart into as few cart-sized pieces as possible.

Lines stay whole, except a line that alone exceeds a cart: it is first cut into
full-cart chunks (as many units as one cart takes) and a remainder. The lines
and the remainder are then packed into the fewest carts (two-dimensional bin
packing on units and volume): first-fit decreasing, and when that is above the
lower bound ``ceil(max(units / max_units, volume / max_volume))``, a CP-SAT
model (time limit, one worker, seed) looks for a packing with fewer bins.

Each piece is then a job of its own, placed like any order: it may share a
cart with other orders (that fit beside it), so an oversize order costs as few
extra carts as possible. Two pieces of one order end up on one cart only if
they fit there together, i.e. only if the packing was not minimal (CP-SAT
out of time): that merely splits the order less.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.sat.python import cp_model

Item = tuple[int, int, float]  # (line, units, volume)
SPLIT_TIME_LIMIT_S = 1.0  # per CP-SAT call; the planner passes less on a short wave time limit


def exceeds(units: float, volume: float, max_units: float, max_volume: float) -> bool:
    return units > max_units or volume > max_volume + 1e-9


def cut_line(line: int, units: int, volume: float, max_units: float, max_volume: float) -> list[Item]:
    """A line as full-cart chunks and a remainder (just the line if it fits a cart)."""
    if not exceeds(units, volume, max_units, max_volume):
        return [(line, units, volume)]
    per_unit = volume / units
    if per_unit > max_volume + 1e-9:
        raise ValueError(f"one unit of line {line} is larger than a cart")
    by_volume = math.floor(max_volume / per_unit + 1e-9) if per_unit > 0 and math.isfinite(max_volume) else math.inf
    chunk = int(min(max_units, by_volume))
    full, rest = divmod(units, chunk)
    return [(line, chunk, chunk * per_unit)] * full + ([(line, rest, rest * per_unit)] if rest else [])


def _lower_bound(items: list[Item], max_units: float, max_volume: float) -> int:
    u = sum(i[1] for i in items) / max_units
    v = sum(i[2] for i in items) / max_volume if max_volume > 0 else 0.0
    return max(1, math.ceil(max(u, v) - 1e-9))


def first_fit_decreasing(items: list[Item], max_units: float, max_volume: float) -> list[list[Item]]:
    def size(i: Item) -> float:
        return max(i[1] / max_units, i[2] / max_volume if math.isfinite(max_volume) and max_volume > 0 else 0.0)

    bins: list[list[Item]] = []
    load: list[list[float]] = []
    for item in sorted(items, key=lambda i: (-size(i), i[0])):
        for b, (u, v) in enumerate(load):
            if u + item[1] <= max_units and v + item[2] <= max_volume + 1e-9:
                bins[b].append(item)
                load[b] = [u + item[1], v + item[2]]
                break
        else:
            bins.append([item])
            load.append([item[1], item[2]])
    return bins


def _pack_exact(
    items: list[Item], n_bins: int, max_units: float, max_volume: float, seed: int, time_limit_s: float
) -> list[list[Item]] | None:
    """A packing into ``n_bins`` carts found by CP-SAT, or None (none exists or none found in time)."""
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{b}") for b in range(n_bins)] for i in range(len(items))]
    for i in range(len(items)):
        model.add_exactly_one(x[i])
    vol_scale = 1000.0
    for b in range(n_bins):
        if math.isfinite(max_units):
            model.add(sum(items[i][1] * x[i][b] for i in range(len(items))) <= int(max_units))
        if math.isfinite(max_volume):
            model.add(
                sum(round(items[i][2] * vol_scale) * x[i][b] for i in range(len(items)))
                <= math.floor(max_volume * vol_scale + 1e-6)
            )
    if items:
        model.add(x[0][0] == 1)  # symmetry: the first item goes to the first cart
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    bins: list[list[Item]] = [[] for _ in range(n_bins)]
    for i, item in enumerate(items):
        bins[next(b for b in range(n_bins) if solver.value(x[i][b]))].append(item)
    return [b for b in bins if b]


def split_order(
    lines: np.ndarray,
    units: np.ndarray,
    volume: np.ndarray,
    max_units: float,
    max_volume: float,
    seed: int = 0,
    time_limit_s: float = SPLIT_TIME_LIMIT_S,
) -> list[list[Item]]:
    """The pieces (lists of (line, units, volume)) of an order, each fitting one cart."""
    items = [
        it
        for ln, u, v in zip(lines.tolist(), units.tolist(), volume.tolist(), strict=True)
        for it in cut_line(ln, u, v, max_units, max_volume)
    ]
    best = first_fit_decreasing(items, max_units, max_volume)
    for n_bins in range(_lower_bound(items, max_units, max_volume), len(best)):
        packed = _pack_exact(items, n_bins, max_units, max_volume, seed, time_limit_s)
        if packed is not None:
            return packed
    return best
