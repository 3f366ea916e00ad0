"""The seed algorithm's candidates for the cart being filled, kept up to date as jobs join it.

The proxy of an unassigned job j for cart c is the sum over j's points of the
walk to the nearest point of the cart or to the depot (``near[j]``). It is
kept only for the cart's *pool*: the candidate jobs (:mod:`neighbours`) of the
jobs in the cart, added as each job joins. When no job of the pool fits, the
unassigned jobs in the buckets (:mod:`buckets`) around the cart's points join
the pool (at most ``k_eval`` a time), in rounds of a doubling radius until one fits (or none can: the
unassigned job of the group with the fewest units, or the least volume, does not fit).
The buckets drop assigned jobs as they are met, so no job is passed twice
after it is placed. Nothing here scans all jobs per step, except on a small
wave (``everyone``: the search's ``exact_setup``), where every unassigned job
is in every pool, as the seed algorithm was first written (then the carts
are the same, to the last tie).

``sp`` = (pmin (P,), near (J,), pool_of (J,), pool (J,), pool_n (1,), live (C,),
cell_job (copied: reordered), by_units (J,), group_start (G + 1,), units_ptr (G,), by_volume (J,), volume_ptr (G,))
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.batching.buckets import box_cells
from wms.picking.batching.carts import EPS, fits
from wms.picking.batching.lengths import walk


def seed_pool(jb: tuple, ix: tuple) -> tuple:
    n_jobs = len(jb[0]) - 1
    gid = ix[2]
    by_units = np.lexsort((np.arange(n_jobs), jb[3], gid)).astype(np.int64)
    by_volume = np.lexsort((np.arange(n_jobs), jb[4], gid)).astype(np.int64)
    n_groups = int(gid.max()) + 1 if n_jobs else 0
    group_start = np.searchsorted(gid[by_units], np.arange(n_groups + 1)).astype(np.int64)
    return (
        np.empty(len(jb[1])),
        np.empty(n_jobs),
        np.full(n_jobs, -1, dtype=np.int64),
        np.empty(n_jobs, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.diff(ix[0]).astype(np.int64),
        ix[1].copy(),
        by_units,
        group_start,
        group_start[:-1].copy(),
        by_volume,
        group_start[:-1].copy(),
    )


@njit(cache=True, nogil=True)
def _enter(lay, jb, st, sp, c, j):
    """Job j joins cart c's pool: its proxy against the cart's points and the depot."""
    aisle_x, cross_y, depot_x, pa, py = lay[0], lay[1], lay[2], jb[1], jb[2]
    pmin, near = sp[0], sp[1]
    for p in range(jb[0][j], jb[0][j + 1]):
        best = walk(aisle_x, cross_y, depot_x, pa[p], py[p], -1, 0.0)
        for m in range(st[2][c]):
            q_job = st[1][c, m]
            for q in range(jb[0][q_job], jb[0][q_job + 1]):
                best = min(best, walk(aisle_x, cross_y, 0.0, pa[p], py[p], pa[q], py[q]))
        pmin[p] = best
    near[j] = pmin[jb[0][j] : jb[0][j + 1]].sum()
    sp[2][j] = c
    sp[3][sp[4][0]] = j
    sp[4][0] += 1


@njit(cache=True, nogil=True)
def open_pool(lay, jb, st, sp, c, everyone):
    """A new pool for cart c (just opened with its seed); ``everyone``: every unassigned job is in it."""
    sp[4][0] = 0
    if everyone:
        for j in range(st[0].shape[0]):
            if st[0][j] < 0:
                _enter(lay, jb, st, sp, c, j)


@njit(cache=True, nogil=True)
def join(lay, jb, st, sp, nbr_start, nbr, c, q):
    """Job q has just joined cart c: lower the pool's proxies by q's points, drop placed jobs, add q's candidates."""
    aisle_x, cross_y, pa, py = lay[0], lay[1], jb[1], jb[2]
    pmin, near, pool = sp[0], sp[1], sp[3]
    kept = 0
    for t in range(sp[4][0]):
        j = pool[t]
        if st[0][j] >= 0:
            continue
        for p in range(jb[0][j], jb[0][j + 1]):
            for r in range(jb[0][q], jb[0][q + 1]):
                pmin[p] = min(pmin[p], walk(aisle_x, cross_y, 0.0, pa[p], py[p], pa[r], py[r]))
        near[j] = pmin[jb[0][j] : jb[0][j + 1]].sum()
        pool[kept] = j
        kept += 1
    sp[4][0] = kept
    for r in range(nbr_start[q], nbr_start[q + 1]):
        j = nbr[r]
        if st[0][j] < 0 and sp[2][j] != c:
            _enter(lay, jb, st, sp, c, j)


@njit(cache=True, nogil=True)
def pool_candidates(jb, st, cap, sp, c, k_eval):
    """Up to k_eval jobs of the pool that fit cart c, nearest first (ties: lower job index)."""
    found = np.empty(sp[4][0], dtype=np.int64)
    n = 0
    for t in range(sp[4][0]):
        j = sp[3][t]
        if st[0][j] < 0 and fits(jb, st, cap, c, -1, j):
            found[n] = j
            n += 1
    found = np.sort(found[:n])
    order = np.argsort(sp[1][found], kind="mergesort")[:k_eval]
    return found[order]


@njit(cache=True, nogil=True)
def _smallest(st, order, end, ptr, g):
    """The unassigned job of group g first in ``order`` (by units or by volume), -1 if none: ptr only moves on."""
    while ptr[g] < end and st[0][order[ptr[g]]] >= 0:
        ptr[g] += 1
    return order[ptr[g]] if ptr[g] < end else -1


@njit(cache=True, nogil=True)
def _room_for_some(jb, st, cap, sp, g, c):
    """False when no unassigned job of group g can fit cart c: none left, or the one with fewest units or
    least volume is too big, or the cart is full by orders."""
    least_units = _smallest(st, sp[7], sp[8][g + 1], sp[9], g)
    least_volume = _smallest(st, sp[10], sp[8][g + 1], sp[11], g)
    return (
        least_units >= 0
        and st[2][c] + 1 <= cap[0]
        and st[3][c] + jb[3][least_units] <= cap[1] + EPS
        and st[4][c] + jb[4][least_volume] <= cap[2] + EPS
    )


@njit(cache=True, nogil=True)
def widen(lay, jb, st, cap, ix, cells, sp, c, most):
    """Add up to ``most`` unassigned jobs that fit cart c from the buckets around its points, nearest rounds first."""
    aisle_x, pa, py = lay[0], jb[1], jb[2]
    cell_start, live, cell_job = ix[0], sp[5], sp[6]
    g = ix[2][st[1][c, 0]]
    if not _room_for_some(jb, st, cap, sp, g, c):
        return
    radius = ix[3]
    while True:
        added = 0
        for m in range(st[2][c]):
            member = st[1][c, m]
            for p in range(jb[0][member], jb[0][member + 1]):
                for b in cells[: box_cells(ix, aisle_x, g, pa[p], py[p], radius, cells)]:
                    t = cell_start[b]
                    while t < cell_start[b] + live[b]:
                        j = cell_job[t]
                        if st[0][j] >= 0:  # placed: out of the bucket for good
                            live[b] -= 1
                            cell_job[t] = cell_job[cell_start[b] + live[b]]
                            cell_job[cell_start[b] + live[b]] = j
                            continue
                        if sp[2][j] != c and fits(jb, st, cap, c, -1, j):
                            _enter(lay, jb, st, sp, c, j)
                            added += 1
                            if added == most:
                                return
                        t += 1
        if added > 0 or radius >= ix[5]:
            return
        radius *= 2.0
