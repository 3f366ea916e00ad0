"""The classic S-shape ("traversal") route as a walk on the layout, and its length.

The literature's S-shape (Hall 1993; Henn & Wäscher 2012 call it *traversal*;
Roodbergen & de Koster 2001 for several blocks) is a walk, not a visiting
order: every (sub-)aisle with picks is walked from one cross aisle to the other,
even where a shortest walk between two consecutive picks would turn back.
``traversal_walk`` returns the corner points of that walk, ``traversal_length``
its length; consecutive corners differ in x only (a move along a cross-aisle
centre line) or in y only (along an aisle centre line, or descending through a
block without picks), so the length is recomputed from ``spec/layout.md`` by
adding up |Δx| + |Δy| along the walk.

The walk (blocks numbered from the front, 0, to the back; a sub-aisle is one
aisle within one block; the points of a block lie in
``cross_y[b] <= y < cross_y[b + 1]``, the back block's back line included;
"left" is the end nearer the depot: the layout is mirrored when the rightmost
pick aisle is nearer the depot than the leftmost, ties to the left):

1. From the depot along the front cross aisle to the leftmost pick aisle, up
   that aisle to the front cross aisle of the farthest block with picks,
   picking its picks in the blocks on the way.
2. Along that cross aisle to the leftmost sub-aisle with picks of the farthest
   block. If the block has other sub-aisles with picks, traverse it to the
   block's back cross aisle and serve the rest of the block from there as in
   step 3; otherwise walk up to its farthest pick and back (a return trip):
   the block is done and the picker stands on the back cross aisle of the
   next block.
3. Blocks one by one towards the depot, each from its back cross aisle: go to
   the nearer of its leftmost and rightmost sub-aisle with picks (ties to the
   rightmost, as ``heuristics.s_shape``) and sweep to the other end,
   traversing every sub-aisle with picks entirely, alternately back → front
   and front → back, moving along the cross aisle the picker is on. The last
   sub-aisle is traversed back → front if the picker arrives at the back; if
   it arrives at the front (an even number of sub-aisles with picks served
   from the back; in the farthest block, where the first one was traversed
   front → back, an odd number in all), it is a return trip from the front.
   Either way the picker leaves the block by its front cross aisle, the back
   cross aisle of the next block. A block without (remaining) picks is
   crossed down the current aisle.
4. Down to the front cross aisle (if not on it) and along it to the depot.

On one block this is the classic S-shape: the pick aisles, from the end nearer
the depot, are traversed in turn; with an odd number of them the last one is a
return trip; then back to the depot along the front cross aisle. It visits the
points in exactly the order of ``heuristics.s_shape``, which measures that
order with shortest walks between consecutive stops; the walk here is never
shorter. Sub-aisles without picks are never entered (except to cross an empty
block, or the leftmost pick aisle on the way up). Pure: numpy and numba only.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _to(wx, wy, m, x, y):
    wx[m] = x
    wy[m] = y
    return m + 1


@njit(cache=True, nogil=True)
def traversal_walk(aisle_x, cross_y, depot_x, aisle, y):
    """Corner points (x, y) of the S-shape walk, from the depot back to it (one point if nothing to pick)."""
    n_aisles, n_blocks, n = aisle_x.shape[0], cross_y.shape[0] - 1, aisle.shape[0]
    wx = np.empty(4 * n_aisles * n_blocks + 2 * n_blocks + 8)
    wy = np.empty_like(wx)
    m = _to(wx, wy, 0, depot_x, cross_y[0])
    if n == 0:
        return wx[:m], wy[:m]
    mirror = abs(aisle_x[aisle.max()] - depot_x) < abs(aisle_x[aisle.min()] - depot_x)
    xs = aisle_x[::-1].copy() if mirror else aisle_x.copy()  # x of aisle key k (keys from the depot's end)
    count = np.zeros((n_blocks, n_aisles), dtype=np.int64)  # picks per sub-aisle
    top = np.full((n_blocks, n_aisles), -np.inf)  # farthest pick per sub-aisle
    for i in range(n):
        b = 0
        while b + 1 < n_blocks and cross_y[b + 1] <= y[i]:
            b += 1
        k = n_aisles - 1 - aisle[i] if mirror else aisle[i]
        count[b, k] += 1
        top[b, k] = max(top[b, k], y[i])
    far, left = -1, n_aisles
    for b in range(n_blocks):
        for k in range(n_aisles):
            if count[b, k] > 0:
                far, left = b, min(left, k)
    # 1. up the leftmost pick aisle to the farthest block
    m = _to(wx, wy, m, xs[left], cross_y[0])
    m = _to(wx, wy, m, xs[left], cross_y[far])
    count[:far, left] = 0
    # 2. the farthest block's leftmost sub-aisle: traversed, or a return trip if it is the only one
    first = 0
    while count[far, first] == 0:
        first += 1
    count[far, first] = 0
    m = _to(wx, wy, m, xs[first], cross_y[far])
    if count[far].sum() > 0:
        m = _to(wx, wy, m, xs[first], cross_y[far + 1])
        start = far
    else:
        m = _to(wx, wy, m, xs[first], top[far, first])
        m = _to(wx, wy, m, xs[first], cross_y[far])
        start = far - 1
    cur = first
    # 3. blocks towards the depot, each entered from its back cross aisle and left by its front one
    for b in range(start, -1, -1):
        remaining = 0
        lo, hi = n_aisles, -1
        for k in range(n_aisles):
            if count[b, k] > 0:
                remaining += 1
                lo, hi = min(lo, k), max(hi, k)
        if remaining == 0:
            m = _to(wx, wy, m, xs[cur], cross_y[b])
            continue
        k = lo if abs(lo - cur) < abs(hi - cur) else hi
        step = 1 if k == lo else -1
        at_back = True
        while remaining > 0:
            if count[b, k] > 0:
                remaining -= 1
                m = _to(wx, wy, m, xs[k], cross_y[b + 1] if at_back else cross_y[b])
                if at_back:
                    m = _to(wx, wy, m, xs[k], cross_y[b])
                    at_back = False
                elif remaining == 0:
                    m = _to(wx, wy, m, xs[k], top[b, k])
                    m = _to(wx, wy, m, xs[k], cross_y[b])
                else:
                    m = _to(wx, wy, m, xs[k], cross_y[b + 1])
                    at_back = True
                cur = k
            k += step
    # 4. back to the depot along the front cross aisle
    m = _to(wx, wy, m, xs[cur], cross_y[0])
    m = _to(wx, wy, m, depot_x, cross_y[0])
    return wx[:m], wy[:m]


@njit(cache=True, nogil=True)
def traversal_length(aisle_x, cross_y, depot_x, aisle, y):
    """Length of the S-shape walk: the sum of |Δx| + |Δy| between its consecutive corners."""
    wx, wy = traversal_walk(aisle_x, cross_y, depot_x, aisle, y)
    total = 0.0
    for i in range(wx.shape[0] - 1):
        total += abs(wx[i + 1] - wx[i]) + abs(wy[i + 1] - wy[i])
    return total
