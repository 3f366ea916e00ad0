"""From the two-block programme's optimal choices to a visiting order and its length (numba kernels).

Vertices of the aisle graph: ``3 * j + k`` is cross-aisle vertex ``k`` (0 front,
1 middle, 2 back) of aisle ``j``; ``3 * n_aisles`` is the depot when it lies
between two aisles; ``3 * n_aisles + 1 + u`` is distinct interior point ``u``
(distinct points strictly between two cross aisles, sorted by aisle, then y;
those of aisle ``j``'s block ``b`` are ``seg_start[2 * j + b]`` to
``seg_start[2 * j + b + 1] - 1``).

``tour_edges`` lists the optimal multigraph one edge per copy, aisle by aisle
(front block, back block, then the cross-aisle edges to the next aisle: front,
middle, back), each path from its lower to its upper end; ``visiting_order``
walks it as an Euler circuit from the depot (Hierholzer, :mod:`tour_walk`) and
returns the points in first-visit order, the picks at one vertex one after the
other in index order; ``walk_length`` is the layout.md length of that order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.routing.tour_walk import first_visits
from wms.picking.routing.two_block_states import FROM_LEFT, FROM_RIGHT, FULL1, FULL2, GAP, HIGH, LOW


@njit(cache=True, inline="always")
def _edge(eu, ev, ne, a, b, times):
    for _ in range(times):
        eu[ne], ev[ne] = a, b
        ne += 1
    return ne


@njit(cache=True, inline="always")  # inlined: called with literal ends, it would be compiled once per literal
def _path(eu, ev, ne, start, lo, hi, end, base, times):
    """``times`` copies of each edge of start → interior points lo … hi - 1 → end (start, end: -1 if absent)."""
    prev = start
    for u in range(lo, hi):
        if prev >= 0:
            ne = _edge(eu, ev, ne, prev, base + u, times)
        prev = base + u
    if end >= 0 and prev >= 0:
        ne = _edge(eu, ev, ne, prev, end, times)
    return ne


@njit(cache=True, nogil=True)
def _largest_gap(uy, lo, hi):
    """Index of the first point above the largest gap between points lo … hi - 1 (the first such gap)."""
    best, at = -1.0, lo + 1
    for u in range(lo + 1, hi):
        if uy[u] - uy[u - 1] > best:
            best, at = uy[u] - uy[u - 1], u
    return at


@njit(cache=True, nogil=True)
def tour_edges(choice, uy, seg_start, gap_aisle):
    """Edges (eu[i], ev[i]) of the optimal multigraph of the chosen options, one per copy."""
    n_aisles = choice.shape[0]
    depot, base = 3 * n_aisles, 3 * n_aisles + 1
    cap = 2 * uy.shape[0] + 10 * n_aisles + 4
    eu = np.empty(cap, dtype=np.int64)
    ev = np.empty(cap, dtype=np.int64)
    ne = 0
    for j in range(n_aisles):
        for b in range(2):
            option = choice[j, 0] // 6 if b == 0 else choice[j, 0] % 6
            lo, hi = seg_start[2 * j + b], seg_start[2 * j + b + 1]
            front, back = 3 * j + b, 3 * j + b + 1
            if option == FULL1 or option == FULL2:
                ne = _path(eu, ev, ne, front, lo, hi, back, base, option)
            elif option == LOW:
                ne = _path(eu, ev, ne, front, lo, hi, -1, base, 2)
            elif option == HIGH:
                ne = _path(eu, ev, ne, -1, lo, hi, back, base, 2)
            elif option == GAP:
                g = _largest_gap(uy, lo, hi)
                ne = _path(eu, ev, ne, front, lo, g, -1, base, 2)
                ne = _path(eu, ev, ne, -1, g, hi, back, base, 2)
        if j == n_aisles - 1:
            continue
        h = choice[j, 1]
        for k in range(3):
            c = h // 9 if k == 0 else (h // 3 % 3 if k == 1 else h % 3)
            left, right = 3 * j + k, 3 * j + 3 + k
            if (c == 1 or c == 2) and k == 0 and j == gap_aisle:
                ne = _edge(eu, ev, ne, left, depot, c)
                ne = _edge(eu, ev, ne, depot, right, c)
            elif c == 1 or c == 2:
                ne = _edge(eu, ev, ne, left, right, c)
            elif c == FROM_LEFT:
                ne = _edge(eu, ev, ne, left, depot, 2)
            elif c == FROM_RIGHT:
                ne = _edge(eu, ev, ne, depot, right, 2)
    return eu[:ne], ev[:ne]


@njit(cache=True, nogil=True)
def visiting_order(eu, ev, n_nodes, depot, node):
    """Points (point i at vertex ``node[i]``) by their vertex's first visit from the depot, ties by index;
    and whether the walk misses one."""
    visits = first_visits(eu, ev, n_nodes, depot, np.arange(n_nodes), n_nodes)
    rank = np.full(n_nodes, n_nodes, dtype=np.int64)
    rank[visits] = np.arange(visits.shape[0])
    keys = rank[node]
    return np.argsort(keys, kind="mergesort"), keys.shape[0] > 0 and keys.max() == n_nodes


@njit(cache=True, nogil=True)
def _block_sum(a, lo, n):
    """numpy's sum of at most 128 numbers a[lo:lo + n]: 8-way unrolled beyond 7."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r = a[lo : lo + 8].copy()
    i = 8
    while i < n - n % 8:
        for k in range(8):
            r[k] += a[lo + i + k]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, nogil=True)
def pairwise_sum(a):
    """numpy's ``a.sum()`` of a float64 vector to the last bit: blocks of at most 128 summed pairwise.

    numpy halves a longer vector (the first half a multiple of 8) and adds the two halves' sums; the
    halving is unrolled here with an explicit stack (numba's cache and recursion do not mix).
    """
    lo_at = np.empty(64, dtype=np.int64)
    n_at = np.empty(64, dtype=np.int64)
    stage = np.empty(64, dtype=np.int64)
    sums = np.empty(64)
    lo_at[0], n_at[0], stage[0], top, n_sums = 0, a.shape[0], 0, 0, 0
    while top >= 0:
        lo, n = lo_at[top], n_at[top]
        half = n // 2 - (n // 2) % 8
        if n <= 128:
            sums[n_sums] = _block_sum(a, lo, n)
            n_sums += 1
            top -= 1
        elif stage[top] < 2:  # first the lower half, then the upper one
            stage[top] += 1
            lower = stage[top] == 1
            lo_at[top + 1], n_at[top + 1], stage[top + 1] = (lo, half, 0) if lower else (lo + half, n - half, 0)
            top += 1
        else:  # both halves summed
            sums[n_sums - 2] += sums[n_sums - 1]
            n_sums -= 1
            top -= 1
    return sums[0]


@njit(cache=True, nogil=True)
def walk_length(aisle_x, cross_y, depot_x, aisle, y, order):
    """layout.md walk depot → points in ``order`` → depot, summed as the numpy expression it replaces."""
    m = order.shape[0]
    if m == 0:
        return 0.0
    steps = np.empty(m - 1)
    for i in range(m - 1):
        p, q = order[i], order[i + 1]
        x1, x2 = aisle_x[aisle[p]], aisle_x[aisle[q]]
        if x1 == x2:
            steps[i] = abs(y[p] - y[q])
        else:
            best = np.inf
            for k in range(cross_y.shape[0]):
                best = min(best, abs(y[p] - cross_y[k]) + abs(y[q] - cross_y[k]))
            steps[i] = abs(x1 - x2) + best
    first, last = order[0], order[m - 1]
    ends = abs(depot_x - aisle_x[aisle[first]]) + y[first] + abs(depot_x - aisle_x[aisle[last]]) + y[last]
    return ends + pairwise_sum(steps)
