"""Iterated local search over a distance matrix: 2-opt + Or-opt, double-bridge kicks.

Numba kernels on a closed tour ``t`` of ``n + 2`` nodes with the depot (the
matrix's last index, ``n``) at both ends: ``t[0] = t[n + 1] = n``, the pick
points in ``t[1 : n + 1]``; ``pos[x]`` is the position of node ``x`` (0 for the
depot, whose second position is ``n + 1``). The metric of layout.md is
symmetric, so a move only changes the edges at its ends.

- ``local_optimum``: 2-opt (reverse a stretch) and Or-opt (move a stretch of 1
  to ``OR_SEGMENT`` points elsewhere, either way round), first improvement,
  over candidate lists: a move must join a node to one of its ``near`` nearest
  nodes. Moves are looked for around *active* nodes only ("don't-look bits");
  a node is activated when one of its edges changes and dropped when no move
  around it shortens the tour.
- ``kicks``: the iterated local search. Each kick perturbs the current tour by
  a double bridge (A B C D → A C B D, cut points drawn from the given random
  numbers), re-optimises around the three new edges, and keeps the result if
  it is no longer than the current tour; the shortest tour seen is returned.
  No randomness of its own: the caller passes the random numbers, so a seed
  fixes the result.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EPS = 1e-9
OR_SEGMENT = 3  # longest stretch Or-opt moves


@njit(cache=True, nogil=True)
def tour_cost(d, t):
    """Length of the closed tour ``t`` over ``d``."""
    total = 0.0
    for i in range(t.shape[0] - 1):
        total += d[t[i], t[i + 1]]
    return total


@njit(cache=True, nogil=True)
def nearest(d, k):
    """(m, k) array: for every node its ``k`` nearest other nodes, nearest first (ties by index)."""
    m = d.shape[0]
    k = min(k, m - 1)
    near = np.empty((m, k), dtype=np.int64)
    for x in range(m):
        order = np.argsort(d[x], kind="mergesort")
        j = 0
        for y in order:
            if y != x and j < k:
                near[x, j] = y
                j += 1
    return near


@njit(cache=True, nogil=True)
def _push(stack, queued, top, x):
    if not queued[x]:
        queued[x] = True
        stack[top] = x
        top += 1
    return top


@njit(cache=True, nogil=True)
def _reverse(t, pos, i, j):
    while i < j:
        t[i], t[j] = t[j], t[i]
        pos[t[i]], pos[t[j]] = i, j
        i += 1
        j -= 1


@njit(cache=True, nogil=True)
def _two_opt_at(d, t, pos, near, a, stack, queued, top):
    """First 2-opt move that joins ``a`` to a near node; (top, moved)."""
    n = t.shape[0] - 2
    for back in (False, True):
        ep = (n if a == n else pos[a] - 1) if back else pos[a]  # removed edge (t[ep], t[ep + 1]) holds a
        x1, x2 = t[ep], t[ep + 1]
        other = x1 if back else x2
        for c in near[a]:
            if d[a, c] >= d[a, other] - EPS:
                break  # near is sorted: no later c makes a shorter edge at a
            q = (n if c == n else pos[c] - 1) if back else pos[c]  # the edge of c that the move removes
            if q - 1 <= ep <= q + 1:
                continue
            y1, y2 = t[q], t[q + 1]
            if d[x1, y1] + d[x2, y2] < d[x1, x2] + d[y1, y2] - EPS:
                _reverse(t, pos, min(ep, q) + 1, max(ep, q))
                for x in (x1, x2, y1, y2):
                    top = _push(stack, queued, top, x)
                return top, True
    return top, False


@njit(cache=True, nogil=True)
def _move(t, pos, i, length, k, flip):
    """Cut t[i : i + length] out and put it after t[k] (reversed if ``flip``), in place."""
    seg = t[i : i + length].copy()
    if k < i:
        for x in range(i - 1, k, -1):
            t[x + length] = t[x]
        lo, hi, at = k + 1, i + length - 1, k + 1
    else:
        for x in range(i + length, k + 1):
            t[x - length] = t[x]
        lo, hi, at = i, k, k - length + 1
    for r in range(length):
        t[at + r] = seg[length - 1 - r] if flip else seg[r]
    for x in range(lo, hi + 1):
        pos[t[x]] = x


@njit(cache=True, nogil=True)
def _or_next_to(d, t, pos, s, c, stack, queued, top):
    """First Or-opt move of a stretch with end ``s`` to beside ``c``, either way round; (top, moved)."""
    n = t.shape[0] - 2
    if s == n:
        return top, False  # the depot stays where it is
    p = pos[s]
    k1, k2 = pos[c], (n + 1 if c == n else pos[c]) - 1  # edges (c, next) and (previous, c)
    for length in range(1, min(OR_SEGMENT, n - 1) + 1):
        for j in range(2 if length > 1 else 1):  # s first, s last
            i = p if j == 0 else p - length + 1
            if i < 1 or i + length - 1 > n:
                continue
            s0, s1 = t[i], t[i + length - 1]
            base = d[t[i - 1], s0] + d[s1, t[i + length]] - d[t[i - 1], t[i + length]] - EPS
            for k in (k1, k2):
                if i - 1 <= k <= i + length - 1:
                    continue
                u, v = t[k], t[k + 1]
                saved = base + d[u, v]
                forward = d[u, s0] + d[s1, v] < saved
                if forward or (length > 1 and d[u, s1] + d[s0, v] < saved):
                    for x in (t[i - 1], s0, s1, t[i + length], u, v):
                        top = _push(stack, queued, top, x)
                    _move(t, pos, i, length, k, not forward)
                    return top, True
    return top, False


@njit(cache=True, nogil=True)
def _or_opt_at(d, t, pos, near, a, stack, queued, top):
    """First Or-opt move that puts a stretch ending at ``a`` beside a near node, or vice versa.

    Only nodes nearer to ``a`` than its farther tour neighbour are tried.
    """
    n = t.shape[0] - 2
    prev, nxt = t[(n + 1 if a == n else pos[a]) - 1], t[pos[a] + 1]
    reach = max(d[a, prev], d[a, nxt]) - EPS
    for c in near[a]:
        if d[a, c] >= reach:
            break
        for s, to in ((a, c), (c, a)):
            top, moved = _or_next_to(d, t, pos, s, to, stack, queued, top)
            if moved:
                return top, True
    return top, False


@njit(cache=True, nogil=True)
def _descend(d, t, pos, near, stack, queued, top):
    """Apply improving moves around active nodes until none is left active."""
    while top > 0:
        top -= 1
        a = stack[top]
        queued[a] = False
        top, moved = _two_opt_at(d, t, pos, near, a, stack, queued, top)
        if not moved:
            top, moved = _or_opt_at(d, t, pos, near, a, stack, queued, top)


@njit(cache=True, nogil=True)
def _positions(t):
    pos = np.empty(t.shape[0] - 1, dtype=np.int64)
    for i in range(t.shape[0] - 1):
        pos[t[i]] = i
    return pos


@njit(cache=True, nogil=True)
def local_optimum(d, t, near):
    """A copy of ``t`` improved by 2-opt and Or-opt until no move over ``near`` shortens it."""
    t = t.copy()
    m = t.shape[0] - 1
    pos = _positions(t)
    stack = np.empty(m, dtype=np.int64)
    queued = np.zeros(m, dtype=np.bool_)
    top = 0
    for i in range(m - 1, -1, -1):
        top = _push(stack, queued, top, t[i])
    _descend(d, t, pos, near, stack, queued, top)
    return t


@njit(cache=True, nogil=True)
def _cuts(m, u):
    """Three distinct sorted cut positions in 1..m from three uniforms in [0, 1)."""
    a = 1 + int(u[0] * m)
    b = 1 + int(u[1] * (m - 1))
    if b >= a:
        b += 1
    lo, hi = min(a, b), max(a, b)
    c = 1 + int(u[2] * (m - 2))
    if c >= lo:
        c += 1
    if c >= hi:
        c += 1
    if c < lo:
        return c, lo, hi
    if c < hi:
        return lo, c, hi
    return lo, hi, c


@njit(cache=True, nogil=True)
def kicks(d, near, current, best, u):
    """One double-bridge kick + local search per row of ``u`` (three uniforms each); (current, best)."""
    n = current.shape[0] - 2
    stack = np.empty(n + 1, dtype=np.int64)
    queued = np.zeros(n + 1, dtype=np.bool_)
    cur_cost, best_cost = tour_cost(d, current), tour_cost(d, best)
    for r in range(u.shape[0]):
        a, b, c = _cuts(n + 1, u[r])  # A B C D = t[:a], t[a:b], t[b:c], t[c:] → A C B D
        trial = np.concatenate((current[:a], current[b:c], current[a:b], current[c:]))
        pos = _positions(trial)
        top = 0
        for x in (current[a - 1], current[a], current[b - 1], current[b], current[c - 1], current[c]):
            top = _push(stack, queued, top, x)
        _descend(d, trial, pos, near, stack, queued, top)
        cost = tour_cost(d, trial)
        if cost <= cur_cost + EPS:
            current, cur_cost = trial, cost
            if cost < best_cost - EPS:
                best, best_cost = trial.copy(), cost
    return current, best
