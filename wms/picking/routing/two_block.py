"""Exact shortest pick route for two-block layouts (front, middle and back cross aisle).

The dynamic programme of Roodbergen & de Koster (2001), "Routing order pickers
in a warehouse with a middle aisle", written in the general form of Ratliff &
Rosenthal (1983): a shortest route is a cheapest connected multigraph with even
degrees on the aisle graph of ``spec/layout.md`` that touches the depot and
every pick point, each edge used at most twice.

Aisles are processed left to right. The frontier is the three cross-aisle
vertices of the current aisle (front, middle, back); a state is, for each of
them, its degree class and the partition of the touched ones into connected
components of the partial tour. A vertical step adds the aisle's two block
segments, a horizontal step the cross-aisle edges to the next aisle (through
the depot where it lies between the two aisles); :mod:`two_block_states`
describes the options.

Transitions are tabulated once in plain Python (:mod:`two_block_states`); the
numba kernels only walk the tables. Everything per call runs in one kernel:
the points sorted into cross-aisle vertices and distinct interior points, the
step costs, the programme, and then (:mod:`two_block_walk`) the optimal
multigraph rebuilt from the back pointers, walked as an Euler circuit from the
depot, the pick points taken in first-visit order: shortcutting never
lengthens a walk, so that order's layout.md length equals the optimum.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.routing.distance import problem_arrays
from wms.picking.routing.problem import Route, RoutingProblem
from wms.picking.routing.two_block_states import TABLES
from wms.picking.routing.two_block_walk import tour_edges, visiting_order, walk_length

OK, DEPOT_OUTSIDE, POINT_OUTSIDE, NO_TOUR, MISSED_POINT = range(5)  # the kernel's status codes


# ---- problem → step costs ----


@njit(cache=True, nogil=True)
def _depot_place(aisle_x, depot_x):
    """(aisle the depot stands on, or -1; aisle left of the front edge holding it, or -1; status)."""
    n = aisle_x.shape[0]
    for j in range(n):
        if aisle_x[j] == depot_x:
            return j, -1, OK
    if n == 0 or not aisle_x[0] < depot_x < aisle_x[n - 1]:
        return -1, -1, DEPOT_OUTSIDE
    return -1, np.searchsorted(aisle_x, depot_x) - 1, OK


@njit(cache=True, nogil=True)
def _classify(n_aisles, cross_y, aisle, y, depot_aisle):
    """Vertex of each point, required cross-aisle vertices per aisle (bit k: vertex k), the distinct interior ys
    sorted by (aisle, y) and where each (aisle, block) starts among them; the first point off the layout or -1."""
    n = aisle.shape[0]
    required = np.zeros(n_aisles, dtype=np.int64)
    if depot_aisle >= 0:
        required[depot_aisle] = 1  # the depot stands on that aisle's front vertex
    node = np.empty(n, dtype=np.int64)
    inner = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        a, v = aisle[i], y[i]
        if not (0 <= a < n_aisles and cross_y[0] <= v <= cross_y[2]):
            return node, required, np.empty(0), np.empty(0, dtype=np.int64), i
        k = 0 if v == cross_y[0] else (1 if v == cross_y[1] else (2 if v == cross_y[2] else -1))
        if k >= 0:
            node[i] = 3 * a + k
            required[a] |= 1 << k
        else:
            inner[m] = i
            m += 1
    inner = inner[:m]
    inner = inner[np.argsort(y[inner], kind="mergesort")]
    inner = inner[np.argsort(aisle[inner], kind="mergesort")]
    uy = np.empty(m)
    seg_start = np.zeros(2 * n_aisles + 1, dtype=np.int64)
    base, u = 3 * n_aisles + 1, -1
    for r in range(m):
        i = inner[r]
        if r == 0 or aisle[i] != aisle[inner[r - 1]] or y[i] != y[inner[r - 1]]:
            u += 1
            uy[u] = y[i]
            seg_start[2 * aisle[i] + (0 if y[i] < cross_y[1] else 1) + 1] += 1
        node[i] = base + u
    for s in range(2 * n_aisles):
        seg_start[s + 1] += seg_start[s]
    return node, required, uy[: u + 1], seg_start, -1


@njit(cache=True, nogil=True)
def _segment_costs(uy, lo, hi, y_lo, y_hi, out):
    """Cost of each segment option (NONE, FULL1, FULL2, GAP, LOW, HIGH) for the points lo … hi - 1."""
    span, inf = y_hi - y_lo, np.inf
    if hi == lo:
        out[0], out[1], out[2], out[3], out[4], out[5] = 0.0, span, 2 * span, inf, inf, inf
        return
    gap = inf
    if hi - lo > 1:
        widest = uy[lo + 1] - uy[lo]
        for u in range(lo + 2, hi):
            widest = max(widest, uy[u] - uy[u - 1])
        gap = 2 * (span - widest)
    out[0], out[1], out[2] = inf, span, 2 * span
    out[3], out[4], out[5] = gap, 2 * (uy[hi - 1] - y_lo), 2 * (y_hi - uy[lo])


@njit(cache=True, nogil=True)
def _step_costs(aisle_x, cross_y, depot_x, uy, seg_start, gap_aisle):
    """Cost of each vertical option (aisle j, 36) and horizontal option (aisle j → j + 1, 45); inf: not allowed."""
    n_aisles = aisle_x.shape[0]
    v_cost = np.empty((n_aisles, 36))
    h_cost = np.full((n_aisles, 45), np.inf)
    h_cost[n_aisles - 1, 0] = 0.0  # past the last aisle nothing is built
    low, high, front, other = np.empty(6), np.empty(6), np.empty(5), np.empty(3)
    for j in range(n_aisles):
        _segment_costs(uy, seg_start[2 * j], seg_start[2 * j + 1], cross_y[0], cross_y[1], low)
        _segment_costs(uy, seg_start[2 * j + 1], seg_start[2 * j + 2], cross_y[1], cross_y[2], high)
        for a in range(6):
            for b in range(6):
                v_cost[j, 6 * a + b] = low[a] + high[b]
        if j == n_aisles - 1:
            continue
        p = aisle_x[j + 1] - aisle_x[j]
        other[0], other[1], other[2] = 0.0, p, 2 * p
        front[:3] = other
        front[3], front[4] = np.inf, np.inf
        if j == gap_aisle:
            front[0], front[3], front[4] = np.inf, 2 * (depot_x - aisle_x[j]), 2 * (aisle_x[j + 1] - depot_x)
        for f in range(5):
            for m in range(3):
                for b in range(3):
                    h_cost[j, 9 * f + 3 * m + b] = front[f] + other[m] + other[b]
    return v_cost, h_cost


# ---- the programme ----


@njit(cache=True, nogil=True)
def _allowed(step, j, out):
    """Options of step ``j`` with a finite cost, in increasing order, into ``out``; how many."""
    k = 0
    for o in range(step.shape[1]):
        if step[j, o] != np.inf:
            out[k] = o
            k += 1
    return k


@njit(cache=True, nogil=True)
def _dp(v_next, h_next, h_mask, h_start, h_option, v_cost, h_cost, required):
    """Cheapest tour over the aisles; returns (length, per aisle its vertical and its horizontal option).

    Per state, options are tried in increasing order and a tie keeps the first: only options that cannot
    apply (a cost of inf, or no next state: ``h_option[h_start[s]:h_start[s + 1]]`` lists the horizontal
    ones that have one) are skipped.
    """
    n_aisles, n_states = v_cost.shape[0], v_next.shape[0]
    back = np.empty((n_aisles, 2, n_states, 2), dtype=np.int64)  # (previous state, option) where reached
    cost = np.full(n_states, np.inf)
    cost[0] = 0.0
    v_options = np.empty(v_next.shape[1], dtype=np.int64)
    for j in range(n_aisles):
        n_v = _allowed(v_cost, j, v_options)
        nxt = np.full(n_states, np.inf)
        for s in range(n_states):
            if cost[s] == np.inf:
                continue
            for i in range(n_v):
                o = v_options[i]
                t = v_next[s, o]
                if t >= 0 and cost[s] + v_cost[j, o] < nxt[t]:
                    nxt[t] = cost[s] + v_cost[j, o]
                    back[j, 0, t, 0], back[j, 0, t, 1] = s, o
        cost = nxt
        nxt = np.full(n_states, np.inf)
        for s in range(n_states):
            if cost[s] == np.inf:
                continue
            for i in range(h_start[s], h_start[s + 1]):
                o = h_option[i]
                c = h_cost[j, o]
                if c == np.inf or (required[j] & ~h_mask[s, o]) != 0:
                    continue
                t = h_next[s, o]
                if cost[s] + c < nxt[t]:
                    nxt[t] = cost[s] + c
                    back[j, 1, t, 0], back[j, 1, t, 1] = s, o
        cost = nxt
    choice = np.full((n_aisles, 2), -1, dtype=np.int64)
    s = n_states - 1
    if cost[s] < np.inf:
        for j in range(n_aisles - 1, -1, -1):
            for half in range(1, -1, -1):
                choice[j, half] = back[j, half, s, 1]
                s = back[j, half, s, 0]
    return cost[n_states - 1], choice


@njit(cache=True, nogil=True)
def two_block_kernel(aisle_x, cross_y, depot_x, aisle, y, v_next, h_next, h_mask, h_start, h_option):
    """(order over the points, its layout.md length, status, first point off the layout or -1)."""
    n, n_aisles = aisle.shape[0], aisle_x.shape[0]
    on_aisle, gap_aisle, status = _depot_place(aisle_x, depot_x)
    if status != OK:
        return np.empty(0, dtype=np.int64), 0.0, status, -1
    node, required, uy, seg_start, bad = _classify(n_aisles, cross_y, aisle, y, on_aisle)
    if bad >= 0:
        return np.empty(0, dtype=np.int64), 0.0, POINT_OUTSIDE, bad
    depot = 3 * on_aisle if on_aisle >= 0 else 3 * n_aisles
    if np.all(node == depot):  # nothing to pick, or every pick at the depot
        return np.arange(n), 0.0, OK, -1
    v_cost, h_cost = _step_costs(aisle_x, cross_y, depot_x, uy, seg_start, gap_aisle)
    best, choice = _dp(v_next, h_next, h_mask, h_start, h_option, v_cost, h_cost, required)
    if not np.isfinite(best):
        return np.empty(0, dtype=np.int64), 0.0, NO_TOUR, -1  # unreachable: a full sweep is always feasible
    eu, ev = tour_edges(choice, uy, seg_start, gap_aisle)
    order, missed = visiting_order(eu, ev, 3 * n_aisles + 1 + uy.shape[0], depot, node)
    if missed:
        return np.empty(0, dtype=np.int64), 0.0, MISSED_POINT, -1  # unreachable by construction
    return order, walk_length(aisle_x, cross_y, depot_x, aisle, y, order), OK, -1


def solve_two_block(problem: RoutingProblem) -> Route:
    """Shortest route through the problem's pick points on a layout with blocks == 2."""
    if problem.layout.blocks != 2:
        raise ValueError("solve_two_block needs a two-block layout (front, middle and back cross aisle)")
    order, length, status, bad = two_block_kernel(*problem_arrays(problem), *TABLES)
    if status == DEPOT_OUTSIDE:
        raise ValueError("the depot must lie on the front cross aisle between the first and last aisle")
    if status == POINT_OUTSIDE:
        raise ValueError(f"pick point {bad} lies outside the layout")
    if status == NO_TOUR:
        raise RuntimeError("two-block DP found no tour")
    if status == MISSED_POINT:
        raise RuntimeError("two-block tour misses a pick point")
    return Route(order=order, length=float(length), status="exact")
