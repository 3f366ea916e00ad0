"""Walking distances of ``spec/layout.md`` as numba kernels.

Array-only twins of the plain-Python oracle (`tests/unit/routing_reference.py`), summed in the same
order so that they agree with it to the last bit. A pick point is given by its
0-based aisle index and its ``y``; the layout by ``aisle_x`` (centre line of each
aisle), ``cross_y`` (cross-aisle centre lines, front first, front at y = 0) and
``depot_x`` (the depot sits at ``(depot_x, 0)``).

Distance matrices put the depot **last**: index ``n`` of an ``(n + 1, n + 1)``
matrix for ``n`` pick points.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.routing.problem import RoutingProblem


@njit(cache=True, nogil=True)
def point_distance(aisle_x, cross_y, a1, y1, a2, y2):
    """Shortest walk between pick points (aisle a1, y1) and (aisle a2, y2)."""
    x1 = aisle_x[a1]
    x2 = aisle_x[a2]
    if x1 == x2:
        return abs(y1 - y2)
    dx = abs(x1 - x2)
    best = np.inf
    for k in range(cross_y.shape[0]):
        yk = cross_y[k]
        best = min(best, abs(y1 - yk) + dx + abs(y2 - yk))
    return best


@njit(cache=True, nogil=True)
def depot_distance(aisle_x, depot_x, a, y):
    """Depot (depot_x, 0) → pick point (aisle a, y)."""
    return abs(depot_x - aisle_x[a]) + y


@njit(cache=True, nogil=True)
def distance_matrix(aisle_x, cross_y, depot_x, aisle, y):
    """(n + 1, n + 1) walking distances between the n points; the depot is index n."""
    n = aisle.shape[0]
    d = np.zeros((n + 1, n + 1))
    for i in range(n):
        d[i, n] = d[n, i] = depot_distance(aisle_x, depot_x, aisle[i], y[i])
        for j in range(i + 1, n):
            d[i, j] = d[j, i] = point_distance(aisle_x, cross_y, aisle[i], y[i], aisle[j], y[j])
    return d


@njit(cache=True, nogil=True)
def route_length(aisle_x, cross_y, depot_x, aisle, y, order):
    """Depot → points ``order[0], order[1], …`` → depot (0 for an empty order)."""
    m = order.shape[0]
    if m == 0:
        return 0.0
    first, last = order[0], order[m - 1]
    total = depot_distance(aisle_x, depot_x, aisle[first], y[first])
    total += depot_distance(aisle_x, depot_x, aisle[last], y[last])
    for i in range(m - 1):
        p, q = order[i], order[i + 1]
        total += point_distance(aisle_x, cross_y, aisle[p], y[p], aisle[q], y[q])
    return total


def problem_arrays(problem: RoutingProblem) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, np.ndarray]:
    """(aisle_x, cross_y, depot_x, aisle, y) with the dtypes the kernels are compiled for."""
    lay = problem.layout
    return (
        np.ascontiguousarray(lay.aisle_x, dtype=np.float64),
        np.ascontiguousarray(lay.cross_y, dtype=np.float64),
        float(lay.depot_x),
        np.ascontiguousarray(problem.aisle, dtype=np.int64),
        np.ascontiguousarray(problem.y, dtype=np.float64),
    )


def order_length(problem: RoutingProblem, order: np.ndarray) -> float:
    """The layout.md length of visiting the problem's points in ``order``."""
    return float(route_length(*problem_arrays(problem), np.ascontiguousarray(order, dtype=np.int64)))


def problem_matrix(problem: RoutingProblem) -> np.ndarray:
    """Distance matrix of the problem's points, depot last."""
    return distance_matrix(*problem_arrays(problem))
