"""Route lengths of candidate carts, as numba kernels the batching search calls many times.

``lay`` is the tuple ``layout_tuple`` builds: the layout arrays and the
single-block programme's tables. On a single-block layout a cart's length is
the exact optimum (Ratliff & Rosenthal, the router's own programme, length
only); on other layouts it is a nearest-neighbour tour improved by 2-opt over
the layout's walking distances (an upper bound within a few per cent; the
final pick lists are routed by ``route(…, "auto")`` all the same).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.routing.distance import distance_matrix
from wms.picking.routing.local_search import two_opt, walk_length
from wms.picking.routing.problem import LayoutArrays
from wms.picking.routing.single_block import single_block_length
from wms.picking.routing.tour_states import TABLES


def layout_tuple(layout: LayoutArrays) -> tuple:
    """(aisle_x, cross_y, depot_x, *single-block tables) with the kernels' dtypes."""
    cross_y = np.ascontiguousarray(layout.cross_y, dtype=np.float64)
    if cross_y[0] != 0.0:
        raise ValueError("the front cross aisle must lie at y = 0")
    return (np.ascontiguousarray(layout.aisle_x, dtype=np.float64), cross_y, float(layout.depot_x), *TABLES)


@njit(cache=True, nogil=True)
def _nearest_neighbour(d):
    """Tour order from the depot (last index), always to the nearest unvisited point."""
    n = d.shape[0] - 1
    seen = np.zeros(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    cur = n
    for k in range(n):
        best, nxt = np.inf, -1
        for j in range(n):
            if not seen[j] and d[cur, j] < best:
                best, nxt = d[cur, j], j
        order[k], seen[nxt], cur = nxt, True, nxt
    return order


@njit(cache=True, nogil=True)
def heuristic_length(aisle_x, cross_y, depot_x, aisle, y):
    """Nearest neighbour + 2-opt over the distinct points (any number of blocks)."""
    d = distance_matrix(aisle_x, cross_y, depot_x, aisle, y)
    return walk_length(d, two_opt(d, _nearest_neighbour(d)), d.shape[0] - 1)


@njit(cache=True, nogil=True)
def points_length(lay, aisle, y):
    """Length of a cart visiting these pick points (exact on one block)."""
    aisle_x, cross_y, depot_x, vt, ht, fin, hf, hb = lay
    if aisle.shape[0] == 0:
        return 0.0
    if cross_y.shape[0] == 2:
        return single_block_length(aisle_x, cross_y[1], depot_x, aisle, y, vt, ht, fin, hf, hb)
    return heuristic_length(aisle_x, cross_y, depot_x, aisle, y)


@njit(cache=True, inline="always")
def walk(aisle_x, cross_y, depot_x, a1, y1, a2, y2):
    """Walking distance between two pick points (layout.md); a2 < 0 means the depot."""
    if a2 < 0:
        return abs(depot_x - aisle_x[a1]) + y1
    dx = abs(aisle_x[a1] - aisle_x[a2])
    if dx == 0.0:
        return abs(y1 - y2)
    best = np.inf
    for k in range(cross_y.shape[0]):
        best = min(best, abs(y1 - cross_y[k]) + dx + abs(y2 - cross_y[k]))
    return best


@njit(cache=True, nogil=True)
def job_lengths(lay, point_start, point_aisle, point_y):
    """Length of each job picked alone."""
    n = point_start.shape[0] - 1
    out = np.empty(n)
    for j in range(n):
        lo, hi = point_start[j], point_start[j + 1]
        out[j] = points_length(lay, point_aisle[lo:hi], point_y[lo:hi])
    return out
