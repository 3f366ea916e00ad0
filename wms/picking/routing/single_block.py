"""Exact pick routes for single-block layouts: Ratliff & Rosenthal (1983).

A dynamic programme over the columns of the layout, left to right, linear in
the number of aisles (18 states × 6 aisle options × 5 cross-aisle options per
column; see :mod:`tour_states`). It yields the shortest tour subgraph, a
connected Eulerian multigraph on the aisle and cross-aisle centre lines that
touches the depot and every pick point; an Euler circuit of it from the depot,
taken in first-visit order, is the returned ``Route.order``. Its layout.md length
equals the optimum (shortcutting a closed walk never makes it longer, and no
order is shorter than the optimum).

The depot ``(depot_x, 0)`` is a column of its own with no aisle (only cross-aisle
edges can touch it) and a front end that must be visited; it may lie between
aisles, on an aisle's x (then it sits next to that aisle at distance 0) or at
either end. A pick exactly on the front (y = 0) or back (y = depth) cross aisle
is the column's front or back end, which must then be visited. Several picks at
one point are one distinct point, expanded back to consecutive indices.
Only the columns between the leftmost and the rightmost required one are
swept: an optimal tour never goes further out.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.routing.distance import order_length, problem_arrays
from wms.picking.routing.problem import Route, RoutingProblem
from wms.picking.routing.tour_states import (
    EMPTY,
    TABLES,
    V_BOTTOM,
    V_DOUBLE,
    V_GAP,
    V_NONE,
    V_SINGLE,
    V_TOP,
)
from wms.picking.routing.tour_walk import first_visits, tour_edges


@njit(cache=True, nogil=True)
def _distinct(aisle, y):
    """Points sorted by (aisle, y) as ``perm``, and where each distinct point starts in it."""
    o1 = np.argsort(y, kind="mergesort")
    perm = o1[np.argsort(aisle[o1], kind="mergesort")]
    starts = np.empty(perm.shape[0] + 1, dtype=np.int64)
    m = 0
    for i in range(perm.shape[0]):
        p, q = perm[i], perm[i - 1]
        if i == 0 or aisle[p] != aisle[q] or y[p] != y[q]:
            starts[m] = i
            m += 1
    starts[m] = perm.shape[0]
    return perm, starts[: m + 1]


@njit(cache=True, nogil=True)
def _columns(aisle_x, depot_x, depth, ua, uy):
    """Per column (aisles and the depot's virtual column, by x): x, interior points, cross-aisle points."""
    n_cols = aisle_x.shape[0] + 1
    pd = np.searchsorted(aisle_x, depot_x)  # the depot column comes before aisles with x >= depot_x
    col_x = np.empty(n_cols)
    col_x[pd] = depot_x
    for a in range(aisle_x.shape[0]):
        col_x[a if a < pd else a + 1] = aisle_x[a]
    p_lo = np.zeros(n_cols, dtype=np.int64)
    p_hi = np.zeros(n_cols, dtype=np.int64)
    front_pt = np.full(n_cols, -1, dtype=np.int64)
    back_pt = np.full(n_cols, -1, dtype=np.int64)
    for u in range(ua.shape[0]):
        c = ua[u] if ua[u] < pd else ua[u] + 1
        if uy[u] <= 0.0:
            front_pt[c] = u
        elif uy[u] >= depth:
            back_pt[c] = u
        else:
            if p_hi[c] == p_lo[c]:
                p_lo[c] = u
            p_hi[c] = u + 1
    return pd, col_x, p_lo, p_hi, front_pt, back_pt


@njit(cache=True, nogil=True)
def _vertical_costs(depth, uy, virtual, p_lo, p_hi):
    """Length of each aisle option per column (inf where not allowed), and the largest inner gap."""
    n_cols = p_lo.shape[0]
    cost = np.full((n_cols, 6), np.inf)
    gap_at = np.full(n_cols, -1, dtype=np.int64)
    for c in range(n_cols):
        lo, k = p_lo[c], p_hi[c] - p_lo[c]
        if k == 0:
            cost[c, V_NONE] = 0.0
        if virtual[c]:
            continue
        cost[c, V_SINGLE], cost[c, V_DOUBLE] = depth, 2.0 * depth
        if k == 0:
            continue
        cost[c, V_TOP] = 2.0 * (depth - uy[lo])
        cost[c, V_BOTTOM] = 2.0 * uy[lo + k - 1]
        best = -1.0
        for s in range(1, k):  # segment s lies between interior points lo+s-1 and lo+s
            if uy[lo + s] - uy[lo + s - 1] > best:
                best, gap_at[c] = uy[lo + s] - uy[lo + s - 1], s
        if k >= 2:
            cost[c, V_GAP] = 2.0 * (depth - best)
    return cost, gap_at


@njit(cache=True, nogil=True)
def _sweep(vcost, col_x, fr, br, vt, ht, hf, hb):
    """Forward pass: cheapest partial tour per (column, state) and how it was reached."""
    n_cols, n_states, n_h = vcost.shape[0], vt.shape[0], hf.shape[0]
    cost = np.full((n_cols, n_states), np.inf)
    back = np.full((n_cols, n_states, 3), -1, dtype=np.int64)  # previous state, aisle option, cross option
    cost[0, EMPTY] = 0.0
    for c in range(n_cols - 1):
        dx = col_x[c + 1] - col_x[c]
        for s in range(n_states):
            if cost[c, s] == np.inf:
                continue
            for v in range(vt.shape[1]):
                if vcost[c, v] == np.inf:
                    continue
                s1 = vt[s, v]
                for h in range(n_h):
                    s2 = ht[s1, h, fr[c], br[c]]
                    t = cost[c, s] + vcost[c, v] + (hf[h] + hb[h]) * dx
                    if s2 >= 0 and t < cost[c + 1, s2]:
                        cost[c + 1, s2] = t
                        back[c + 1, s2, 0], back[c + 1, s2, 1], back[c + 1, s2, 2] = s, v, h
    return cost, back


@njit(cache=True, nogil=True)
def _best_choices(cost, back, vcost, fr, br, vt, fin):
    """Optimal length and, per column, the aisle option and the cross-aisle option to its right."""
    last = cost.shape[0] - 1
    best, bs, bv = np.inf, -1, -1
    for s in range(cost.shape[1]):
        for v in range(vt.shape[1]):
            t = cost[last, s] + vcost[last, v]
            if t < best and fin[vt[s, v], fr[last], br[last]]:
                best, bs, bv = t, s, v
    vch = np.empty(last + 1, dtype=np.int64)
    hch = np.empty(max(last, 0), dtype=np.int64)
    vch[last] = bv
    for c in range(last, 0, -1):
        vch[c - 1], hch[c - 1] = back[c, bs, 1], back[c, bs, 2]
        bs = back[c, bs, 0]
    return best, vch, hch


@njit(cache=True, nogil=True)
def _point_of_vertex(front_pt, back_pt, n_points):
    n_cols = front_pt.shape[0]
    vp = np.full(2 * n_cols + n_points, -1, dtype=np.int64)
    for c in range(n_cols):
        vp[2 * c], vp[2 * c + 1] = front_pt[c], back_pt[c]
    vp[2 * n_cols :] = np.arange(n_points)  # interior vertices; others have no edges
    return vp


@njit(cache=True, nogil=True)
def _expand(unique_order, perm, starts):
    order = np.empty(perm.shape[0], dtype=np.int64)
    m = 0
    for u in unique_order:
        for i in range(starts[u], starts[u + 1]):
            order[m] = perm[i]
            m += 1
    return order[:m]


@njit(cache=True, nogil=True)
def _optimise(aisle_x, depth, depot_x, aisle, y, vt, ht, fin, hf, hb):
    """The dynamic programme up to its optimal choices (shared by the route and the length-only kernel)."""
    perm, starts = _distinct(aisle, y)
    ua, uy = aisle[perm[starts[:-1]]], y[perm[starts[:-1]]]
    pd, col_x, p_lo, p_hi, front_pt, back_pt = _columns(aisle_x, depot_x, depth, ua, uy)
    virtual = np.zeros(col_x.shape[0], dtype=np.bool_)
    virtual[pd] = True
    fr = ((front_pt >= 0) | virtual).astype(np.int64)
    br = (back_pt >= 0).astype(np.int64)
    req = np.nonzero((fr > 0) | (br > 0) | (p_hi > p_lo))[0]
    lo, hi = req[0], req[-1] + 1
    vcost, gap_at = _vertical_costs(depth, uy, virtual[lo:hi], p_lo[lo:hi], p_hi[lo:hi])
    cost, back = _sweep(vcost, col_x[lo:hi], fr[lo:hi], br[lo:hi], vt, ht, hf, hb)
    best, vch, hch = _best_choices(cost, back, vcost, fr[lo:hi], br[lo:hi], vt, fin)
    return (
        perm,
        starts,
        ua.shape[0],
        pd - lo,
        p_lo[lo:hi],
        p_hi[lo:hi],
        front_pt[lo:hi],
        back_pt[lo:hi],
        gap_at,
        best,
        vch,
        hch,
    )


@njit(cache=True, nogil=True)
def single_block_kernel(aisle_x, depth, depot_x, aisle, y, vt, ht, fin, hf, hb):
    """(order over the points, optimal length) for a single block of the given depth."""
    perm, starts, n, depot_col, p_lo, p_hi, front_pt, back_pt, gap_at, best, vch, hch = _optimise(
        aisle_x, depth, depot_x, aisle, y, vt, ht, fin, hf, hb
    )
    eu, ev = tour_edges(vch, hch, p_lo, p_hi, gap_at, hf, hb, n)
    vp = _point_of_vertex(front_pt, back_pt, n)
    walk = first_visits(eu, ev, vp.shape[0], 2 * depot_col, vp, n)
    return _expand(walk, perm, starts), best


@njit(cache=True, nogil=True)
def single_block_length(aisle_x, depth, depot_x, aisle, y, vt, ht, fin, hf, hb):
    """The optimal length alone (no walk), for callers that compare many pick lists (order batching)."""
    if aisle.shape[0] == 0:
        return 0.0
    return _optimise(aisle_x, depth, depot_x, aisle, y, vt, ht, fin, hf, hb)[9]


@njit(cache=True, nogil=True)
def _invalid(aisle_x, depth, aisle, y):
    """0 if the points lie in the block's aisles and the aisles run left to right, else an error code."""
    for a in range(1, aisle_x.shape[0]):
        if aisle_x[a] <= aisle_x[a - 1]:
            return 1
    for i in range(aisle.shape[0]):
        if aisle[i] < 0 or aisle[i] >= aisle_x.shape[0]:
            return 2
        if not 0.0 <= y[i] <= depth:
            return 3
    return 0


ERRORS = {
    1: "aisle_x must increase from left to right",
    2: "aisle index out of range",
    3: "pick point outside the block",
}


def _arrays(problem: RoutingProblem) -> tuple[np.ndarray, float, float, np.ndarray, np.ndarray]:
    aisle_x, cross_y, depot_x, aisle, y = problem_arrays(problem)
    if cross_y.shape[0] != 2 or cross_y[0] != 0.0:
        raise ValueError("single-block routing needs exactly two cross aisles, the front one at y = 0")
    if code := _invalid(aisle_x, cross_y[1], aisle, y):
        raise ValueError(ERRORS[code])
    return aisle_x, float(cross_y[1]), depot_x, aisle, y


def optimal_order(problem: RoutingProblem) -> tuple[np.ndarray, float]:
    """The optimal order over the problem's points and the programme's optimal length."""
    aisle_x, depth, depot_x, aisle, y = _arrays(problem)
    if aisle.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    order, best = single_block_kernel(aisle_x, depth, depot_x, aisle, y, *TABLES)
    return order, float(best)


def solve_single_block(problem: RoutingProblem) -> Route:
    """Shortest route of a pick list in a single-block layout; its length recomputed from the order."""
    order, _ = optimal_order(problem)
    return Route(order=order, length=order_length(problem, order), status="exact")
