"""The rest of a route from where the picker stands: a path from a start point through the points to the depot.

A short pick adds stops to a pick list that is half walked; the remaining
stops are then visited from the picker's position, not from the depot. On
any layout, the shortest such path through at most ``EXACT_POINTS`` distinct
points is found exactly by the Held–Karp programme with a fixed start and the
depot as the end (:func:`~wms.picking.routing.held_karp.held_karp_path`);
beyond that, nearest neighbour from the start, then 2-opt
moves that keep both ends (a heuristic; ``status`` says which). Lengths are
layout.md walking distances (:mod:`distance`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.routing.distance import distance_matrix
from wms.picking.routing.held_karp import held_karp_path
from wms.picking.routing.local_search import two_opt_from, walk_length
from wms.picking.routing.points import expand_order, unique_problem
from wms.picking.routing.problem import Route, RoutingProblem

EXACT_POINTS = 13  # distinct points up to which the path is exact (2^13 · 13 states)


@njit(cache=True, nogil=True)
def path_heuristic(d, s):
    """Nearest neighbour from s, then 2-opt reversals of inner segments (both ends fixed) until none helps."""
    n = d.shape[0] - 1
    seen = np.zeros(n, dtype=np.bool_)
    seen[s] = True
    order = np.empty(n - 1, dtype=np.int64)
    cur = s
    for k in range(n - 1):
        best, nxt = np.inf, -1
        for j in range(n):
            if not seen[j] and d[cur, j] < best:
                best, nxt = d[cur, j], j
        order[k], seen[nxt], cur = nxt, True, nxt
    out = two_opt_from(d, order, s)
    return out, walk_length(d, out, s)


def route_from(problem: RoutingProblem, start: tuple[int, float]) -> Route:
    """The picks of ``problem`` in walking order from ``start`` (aisle, y) to the depot; ``length`` is that path's.

    Exact up to ``EXACT_POINTS`` distinct points (status ``exact``), else ``heuristic``.
    """
    unique, inverse = unique_problem(problem)
    n = len(unique.aisle)
    if n == 0:
        return Route(order=np.zeros(0, dtype=np.int64), length=_back(problem, start), status="exact")
    aisle = np.concatenate([[start[0]], unique.aisle]).astype(np.int64)
    y = np.concatenate([[float(start[1])], unique.y]).astype(np.float64)
    lay = problem.layout
    d = distance_matrix(lay.aisle_x, lay.cross_y, float(lay.depot_x), aisle, y)
    solve = held_karp_path if n <= EXACT_POINTS else path_heuristic
    order, length = solve(d, 0)
    return Route(
        order=expand_order(order - 1, inverse),
        length=float(length),
        status="exact" if n <= EXACT_POINTS else "heuristic",
    )


def _back(problem: RoutingProblem, start: tuple[int, float]) -> float:
    lay = problem.layout
    d = distance_matrix(
        lay.aisle_x, lay.cross_y, float(lay.depot_x), np.array([start[0]], np.int64), np.array([float(start[1])])
    )
    return float(d[0, 1])


def walked_length(problem: RoutingProblem) -> float:
    """Depot → the points in the given order, without the way back: what a picker has walked so far."""
    n = len(problem.aisle)
    if n == 0:
        return 0.0
    lay = problem.layout
    d = distance_matrix(lay.aisle_x, lay.cross_y, float(lay.depot_x), problem.aisle, problem.y)
    return float(d[n, 0] + sum(d[k, k + 1] for k in range(n - 1)))
