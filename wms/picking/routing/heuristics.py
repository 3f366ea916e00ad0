"""The classic routing heuristics: S-shape, return, midpoint, largest gap, combined, traversal.

Each takes a ``RoutingProblem`` and returns a ``Route`` (status ``heuristic``)
whose length is recomputed from the layout for the order the heuristic walks
the points in; pairwise shortest walks can only make a heuristic's own walk
shorter, never longer. ``traversal`` alone is measured differently (below).

Multi-block layouts follow Roodbergen & de Koster (2001), "Routing methods for
warehouses with multiple cross aisles": go up the leftmost pick aisle to the
farthest block with picks, then handle the blocks one by one towards the
depot, entering each from its back cross aisle and leaving by its front one.

- ``s_shape``: every sub-aisle with picks is traversed entirely, in an S; the
  last one of a block is left by its front (a return trip if the picker is there).
- ``traversal``: the classic S-shape of the literature (Henn & Wäscher 2012's
  "traversal"), the same order as ``s_shape`` but the length of the S-shape walk
  itself (:mod:`wms.picking.routing.traversal`): each such sub-aisle is walked
  from cross aisle to cross aisle even where turning back would be shorter, so
  its length is never below ``s_shape``'s and is *not* the layout length of its
  order (``traversal_walk`` gives the walk to recompute it).
- ``largest_gap``: per block, along the back cross aisle each sub-aisle is
  entered up to its largest gap, the farthest sub-aisle is traversed, then the
  rest is picked from the front. ``midpoint`` is the same walk split at the
  middle of the block instead of the largest gap (the classic midpoint
  heuristic on one block, its natural extension on several).
- ``combined``: per block every sub-aisle with picks is visited once, either
  traversed or entered and left on the same side, chosen by a small dynamic
  programme (Roodbergen & de Koster's combined heuristic).
- ``return_route``: aisle by aisle, each entered from the front and walked up
  to its farthest pick and back (a single-block heuristic; on several blocks
  the same order is measured with the layout's shortest walks).

The depot may sit anywhere on the front cross aisle: the walk starts at the
leftmost or the rightmost pick aisle, whichever is nearer the depot (the
layout is mirrored for the latter). Several picks at one point are one stop.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from wms.picking.routing.distance import problem_arrays
from wms.picking.routing.points import expand_order, finish, unique_problem
from wms.picking.routing.problem import Route, RoutingProblem
from wms.picking.routing.traversal import traversal_length

Groups = dict[int, dict[int, list[int]]]  # block -> aisle key -> point indices, ascending y
Split = Callable[[list[int], np.ndarray, float, float], tuple[list[int], list[int]]]


def _aisle_keys(problem: RoutingProblem) -> np.ndarray:
    """Aisle position per point, mirrored when the rightmost pick aisle is nearer the depot."""
    lay, aisle = problem.layout, problem.aisle
    left, right = lay.aisle_x[aisle.min()], lay.aisle_x[aisle.max()]
    if abs(right - lay.depot_x) < abs(left - lay.depot_x):
        return (lay.n_aisles - 1 - aisle).astype(np.int64)
    return aisle.astype(np.int64)


def _groups(problem: RoutingProblem, keys: np.ndarray) -> Groups:
    cross_y = problem.layout.cross_y
    block = np.clip(np.searchsorted(cross_y, problem.y, side="right") - 1, 0, len(cross_y) - 2)
    groups: Groups = {}
    for i in np.lexsort((problem.y, keys)):
        groups.setdefault(int(block[i]), {}).setdefault(int(keys[i]), []).append(int(i))
    return groups


def _nearer_end(sub: dict[int, list[int]], cur: int) -> int:
    lo, hi = min(sub), max(sub)
    return lo if abs(lo - cur) < abs(hi - cur) else hi


def _farther_end(sub: dict[int, list[int]], cur: int) -> int:
    lo, hi = min(sub), max(sub)
    return lo if abs(lo - cur) > abs(hi - cur) else hi


def _enter(groups: Groups, order: list[int]) -> tuple[int, int]:
    """Steps 1–3: up the leftmost pick aisle to the farthest block; (aisle, farthest block)."""
    far = max(groups)
    left = min(k for sub in groups.values() for k in sub)
    for b in range(far):
        order += groups.get(b, {}).pop(left, [])
    return left, far


def _enter_farthest(groups: Groups, order: list[int]) -> tuple[int, int]:
    """Step 4 of S-shape and largest gap: the farthest block's leftmost sub-aisle.

    Traversed to the back if the block has more sub-aisles with picks, else a
    return trip. Returns (aisle, block whose back cross aisle the picker is on).
    """
    _, far = _enter(groups, order)
    sub = groups[far]
    first = min(sub)
    order += sub.pop(first)
    return first, far if sub else far - 1


def _s_shape_block(sub: dict[int, list[int]], cur: int, order: list[int]) -> int:
    """From the back cross aisle: traverse sub-aisles in an S, leave by the front."""
    a, at_back = _nearer_end(sub, cur), True
    while sub:
        pts = sub.pop(a)
        if at_back:
            order += pts[::-1]
        else:
            order += pts  # traversed to the back, or (last one) a return trip from the front
        at_back = not at_back
        if sub:
            a = max(sub) if min(sub) < a else min(sub)
    return a


def _s_shape_order(problem: RoutingProblem) -> list[int]:
    order: list[int] = []
    groups = _groups(problem, _aisle_keys(problem))
    cur, b = _enter_farthest(groups, order)
    for blk in range(b, -1, -1):
        if groups.get(blk):
            cur = _s_shape_block(groups[blk], cur, order)
    return order


def _largest_gap_split(pts: list[int], y: np.ndarray, front: float, back: float) -> tuple[list[int], list[int]]:
    """(picks reached from the back, descending; from the front, ascending) around the largest gap."""
    ys = [back, *(y[p] for p in reversed(pts)), front]  # from the back down
    gaps = [ys[i] - ys[i + 1] for i in range(len(ys) - 1)]
    cut = int(np.argmax(gaps))  # the first largest gap seen from the back
    return pts[::-1][:cut], pts[: len(pts) - cut]


def _midpoint_split(pts: list[int], y: np.ndarray, front: float, back: float) -> tuple[list[int], list[int]]:
    mid = (front + back) / 2.0
    return [p for p in reversed(pts) if y[p] > mid], [p for p in pts if y[p] <= mid]


def _gap_block(
    sub: dict[int, list[int]], bounds: tuple[float, float], cur: int, y: np.ndarray, split: Split, order: list[int]
) -> int:
    """From the back cross aisle: split sub-aisles along the back, traverse the farthest, finish along the front."""
    last = _farther_end(sub, cur)
    others = sorted(k for k in sub if k != last)
    if others and others[0] > last:
        others.reverse()  # sweep towards the farthest sub-aisle
    from_front = {}
    for k in others:
        from_back, from_front[k] = split(sub[k], y, *bounds)
        order += from_back
    order += sub[last][::-1]
    for k in reversed(others):
        order += from_front[k]
    return last


def _gap_order(problem: RoutingProblem, split: Split) -> list[int]:
    order: list[int] = []
    groups = _groups(problem, _aisle_keys(problem))
    cross_y = problem.layout.cross_y
    cur, b = _enter_farthest(groups, order)
    for blk in range(b, -1, -1):
        if groups.get(blk):
            bounds = (float(cross_y[blk]), float(cross_y[blk + 1]))
            cur = _gap_block(groups[blk], bounds, cur, problem.y, split, order)
    return order


def _combined_block(
    sub: dict[int, list[int]], bounds: tuple[float, float], start_back: bool, y: np.ndarray, cur: int
) -> tuple[list[int], int]:
    """Visit each sub-aisle once, traversing or returning, cheapest in total; leave by the front."""
    front, back = bounds
    seq = sorted(sub, reverse=_nearer_end(sub, cur) != min(sub))
    cost = [np.inf, 0.0] if start_back else [0.0, np.inf]  # cheapest so far ending at [front, back]
    came: list[tuple[int, int]] = []  # per sub-aisle: side entered from, to end at [front, back]
    for k in seq:
        ys = y[sub[k]]
        f_traverse, f_return = cost[1] + (back - front), cost[0] + 2.0 * (ys.max() - front)
        b_traverse, b_return = cost[0] + (back - front), cost[1] + 2.0 * (back - ys.min())
        came.append((1 if f_traverse <= f_return else 0, 0 if b_traverse <= b_return else 1))
        cost = [min(f_traverse, f_return), min(b_traverse, b_return)]
    entered, side = [], 0  # leave the block by its front
    for prev in reversed(came):
        side = prev[side]
        entered.append(side)
    order: list[int] = []
    for k, side in zip(seq, reversed(entered), strict=True):
        order += sub[k] if side == 0 else sub[k][::-1]  # up from the front, down from the back
    return order, seq[-1]


def _combined_order(problem: RoutingProblem) -> list[int]:
    order: list[int] = []
    groups = _groups(problem, _aisle_keys(problem))
    cross_y = problem.layout.cross_y
    cur, far = _enter(groups, order)
    for blk in range(far, -1, -1):
        if groups.get(blk):
            bounds = (float(cross_y[blk]), float(cross_y[blk + 1]))
            part, cur = _combined_block(groups[blk], bounds, blk != far, problem.y, cur)
            order += part
    return order


def _return_order(problem: RoutingProblem) -> list[int]:
    return [int(i) for i in np.lexsort((problem.y, _aisle_keys(problem)))]


def _run(problem: RoutingProblem, build: Callable[[RoutingProblem], list[int]]) -> Route:
    unique, inverse = unique_problem(problem)
    if len(unique.aisle) == 0:
        return Route(order=np.zeros(0, dtype=np.int64), length=0.0, status="heuristic")
    return finish(problem, np.array(build(unique), dtype=np.int64), inverse, "heuristic")


def s_shape(problem: RoutingProblem) -> Route:
    return _run(problem, _s_shape_order)


def traversal(problem: RoutingProblem) -> Route:
    """The S-shape order, with the length of the classic S-shape walk (never shorter than ``s_shape``'s)."""
    unique, inverse = unique_problem(problem)
    if len(unique.aisle) == 0:
        return Route(order=np.zeros(0, dtype=np.int64), length=0.0, status="heuristic")
    order = expand_order(np.array(_s_shape_order(unique), dtype=np.int64), inverse)
    return Route(order=order, length=float(traversal_length(*problem_arrays(unique))), status="heuristic")


def return_route(problem: RoutingProblem) -> Route:
    return _run(problem, _return_order)


def midpoint(problem: RoutingProblem) -> Route:
    return _run(problem, lambda p: _gap_order(p, _midpoint_split))


def largest_gap(problem: RoutingProblem) -> Route:
    return _run(problem, lambda p: _gap_order(p, _largest_gap_split))


def combined(problem: RoutingProblem) -> Route:
    return _run(problem, _combined_order)


HEURISTICS: dict[str, Callable[[RoutingProblem], Route]] = {
    "s_shape": s_shape,
    "return": return_route,
    "midpoint": midpoint,
    "largest_gap": largest_gap,
    "combined": combined,
    "traversal": traversal,
}
