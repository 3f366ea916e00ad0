"""Simulated annealing over job moves: relocate a job to a candidate's cart, or swap two jobs.

Each step draws a job j and one of its candidate jobs i (in another cart) and
tries, with equal chance, to move j into i's cart or to swap j and i; draws
that break a cart's capacity are skipped. A move's effect is the exact change
of the two touched carts' lengths; it is taken when it shortens them, else
with probability ``exp(-delta / T)``. The temperature falls geometrically from
``t_start`` to ``t_end`` as the work counter (cart lengths computed) runs from
``w_start`` to ``w_end``, so a run cut into several calls (the caller checks
the clock between them) follows the same path as one call. The best solution
met is kept in ``best``. The column pool (:mod:`columns`) gets both carts of
every move taken, and every cart a move would create when the move lengthens
the two carts by less than ``POOL_SLACK`` times the receiving cart's length,
taken or not: the good carts around the search's path, not only those on it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.batching.carts import EPS, copy_carts, fits, length_with, total_length
from wms.picking.batching.columns import record, record_with
from wms.picking.batching.local_search import insert_length, move_job, swap_jobs

POOL_SLACK = 0.05


@njit(cache=True, nogil=True)
def _accept(delta, temp):
    return delta < -EPS or np.random.random() < np.exp(-delta / temp)


@njit(cache=True, nogil=True)
def _relocate(lay, jb, st, cap, buf, cache, j, b, temp, work, pool):
    a = st[0][j]
    if not fits(jb, st, cap, b, -1, j):
        return 0.0
    rest = length_with(lay, jb, st, buf, a, j, -1, work) if st[2][a] > 1 else 0.0
    to = insert_length(lay, jb, st, buf, cache, b, j, work)
    delta = rest + to - st[6][a] - st[6][b]
    if delta < POOL_SLACK * st[6][b]:
        record_with(pool, st, b, -1, j, to)
    if not _accept(delta, temp):
        return 0.0
    move_job(jb, st, j, b, to, rest, work)
    return delta


@njit(cache=True, nogil=True)
def _keep(pool, st, a, b):
    record(pool, st, a)
    record(pool, st, b)


@njit(cache=True, nogil=True)
def _swap(lay, jb, st, cap, buf, j, i, temp, work, pool):
    a, b = st[0][j], st[0][i]
    if not (fits(jb, st, cap, b, i, j) and fits(jb, st, cap, a, j, i)):
        return 0.0
    la = length_with(lay, jb, st, buf, a, j, i, work)
    lb = length_with(lay, jb, st, buf, b, i, j, work)
    delta = la + lb - st[6][a] - st[6][b]
    if delta < POOL_SLACK * st[6][b]:
        record_with(pool, st, a, j, i, la)
        record_with(pool, st, b, i, j, lb)
    if not _accept(delta, temp):
        return 0.0
    swap_jobs(jb, st, j, i, lb, la, work)
    return delta


@njit(cache=True, nogil=True)
def anneal(lay, jb, st, best, cap, buf, cache, nbr_start, nbr, t_start, t_end, w_start, w_end, budget, work, pool):
    """Annealing steps from ``st`` until ``work[0]`` reaches ``budget``; returns the best length."""
    n = st[0].shape[0]
    length, best_len = total_length(st), total_length(best)
    span = max(w_end - w_start, 1)
    idle = 0  # steps without a length computed (all cached or infeasible): a guard against spinning
    while work[0] < budget and idle < 100 * n:
        before = work[0]
        temp = t_start * (t_end / t_start) ** (min(max(work[0] - w_start, 0), span) / span)
        j = np.random.randint(n)
        k = nbr_start[j + 1] - nbr_start[j]
        if k == 0:
            idle += 1
            continue
        i = nbr[nbr_start[j] + np.random.randint(k)]
        a, b = st[0][j], st[0][i]
        if a != b:
            if np.random.random() < 0.5:
                length += _relocate(lay, jb, st, cap, buf, cache, j, b, temp, work, pool)
            else:
                length += _swap(lay, jb, st, cap, buf, j, i, temp, work, pool)
            if st[0][j] != a:  # taken: both carts as they are now
                _keep(pool, st, a, b)
        idle = idle + 1 if work[0] == before else 0
        if length < best_len - EPS:
            best_len = length = total_length(st)
            copy_carts(st, best)
    return best_len
