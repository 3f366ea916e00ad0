"""Local search over carts, exact lengths of only the carts a move touches.

Moves, for a job j in cart A and the carts of j's nearest jobs (its candidate
list ``nbr``): relocate j to cart B, relocate j to a new cart, swap j with a
job i of cart B; and merging two carts. Each move is evaluated by the lengths
of the (at most two) touched carts before and after. A job is looked at again
only when one of the carts it or one of its candidate jobs is in has changed
(don't-look bits, via the reverse candidate lists ``rev``). The length of cart
B with j added is cached per (job, cart version) in a small direct-mapped
table, so that unchanged carts are not routed again.

Every kernel stops once ``work[0]`` (cart lengths computed) reaches ``budget``;
``work[1]`` is the version counter (it only grows, so a version names one
content of one cart for good, even after the search restores an earlier state).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.batching.carts import (
    EPS,
    add_job,
    fits,
    free_cart,
    length_with,
    merge_fits,
    remove_job,
    union_length,
)

CACHE = 64  # slots per job of the insertion cache


def new_cache(n_jobs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cart id, cart version, length) per job and slot; version -1 = empty."""
    return (
        np.full((n_jobs, CACHE), -1, dtype=np.int64),
        np.full((n_jobs, CACHE), -1, dtype=np.int64),
        np.zeros((n_jobs, CACHE)),
    )


@njit(cache=True, nogil=True)
def seed_rng(seed):
    """Seed numba's random generator (the one every kernel of this package draws from)."""
    np.random.seed(seed)


@njit(cache=True, nogil=True)
def bump(st, work, c):
    work[1] += 1
    st[8][c] = work[1]


@njit(cache=True, nogil=True)
def insert_length(lay, jb, st, buf, cache, c, j, work):
    """Length of cart c with job j added (cached per cart version)."""
    s = c % CACHE
    if cache[0][j, s] == c and cache[1][j, s] == st[8][c]:
        return cache[2][j, s]
    length = length_with(lay, jb, st, buf, c, -1, j, work)
    cache[0][j, s], cache[1][j, s], cache[2][j, s] = c, st[8][c], length
    return length


@njit(cache=True, nogil=True)
def wake(st, active, rev_start, rev, c):
    """Activate the jobs of cart c and every job that has one of them as a candidate."""
    for k in range(st[2][c]):
        j = st[1][c, k]
        active[j] = True
        for r in range(rev_start[j], rev_start[j + 1]):
            active[rev[r]] = True


@njit(cache=True, nogil=True)
def move_job(jb, st, j, c, length_to, length_from, work):
    """Move job j to cart c (-1: a new cart); the new lengths of both carts are given. Returns (from, to)."""
    a = remove_job(jb, st, j)
    st[6][a] = length_from if st[2][a] > 0 else 0.0
    bump(st, work, a)
    if c < 0:
        c = free_cart(st)
    add_job(jb, st, c, j)
    st[6][c] = length_to
    bump(st, work, c)
    return a, c


@njit(cache=True, nogil=True)
def swap_jobs(jb, st, j, i, length_j_side, length_i_side, work):
    """Exchange jobs j and i between their carts; j's new cart gets ``length_j_side``."""
    a, b = remove_job(jb, st, j), remove_job(jb, st, i)
    add_job(jb, st, b, j)
    add_job(jb, st, a, i)
    st[6][b], st[6][a] = length_j_side, length_i_side
    bump(st, work, a)
    bump(st, work, b)
    return a, b


@njit(cache=True, nogil=True)
def best_move(lay, jb, st, cap, buf, cache, nbr_start, nbr, solo, j, work):
    """The best improving relocate / swap of job j: (delta, kind 0 relocate / 1 swap, cart or job, length(s))."""
    a = st[0][j]
    rest = length_with(lay, jb, st, buf, a, j, -1, work) if st[2][a] > 1 else 0.0
    gain = st[6][a] - rest
    best, kind, arg, l1, l2 = -EPS, -1, -1, 0.0, rest
    if st[2][a] > 1 and solo[j] - gain < best:
        best, kind, arg, l1 = solo[j] - gain, 0, -1, solo[j]
    for r in range(nbr_start[j], nbr_start[j + 1]):
        i = nbr[r]
        b = st[0][i]
        if b == a:
            continue
        if fits(jb, st, cap, b, -1, j):
            length = insert_length(lay, jb, st, buf, cache, b, j, work)
            if length - st[6][b] - gain < best:
                best, kind, arg, l1, l2 = length - st[6][b] - gain, 0, b, length, rest
        if fits(jb, st, cap, b, i, j) and fits(jb, st, cap, a, j, i):
            la = length_with(lay, jb, st, buf, a, j, i, work)
            lb = length_with(lay, jb, st, buf, b, i, j, work)
            if la + lb - st[6][a] - st[6][b] < best:
                best, kind, arg, l1, l2 = la + lb - st[6][a] - st[6][b], 1, i, lb, la
    return best, kind, arg, l1, l2


@njit(cache=True, nogil=True)
def descend(lay, jb, st, cap, buf, cache, nbr_start, nbr, rev_start, rev, solo, active, budget, work):
    """Apply best improving job moves until no active job has one (or the budget is spent)."""
    n = st[0].shape[0]
    improved = True
    while improved and work[0] < budget:
        improved = False
        for j in np.random.permutation(n):
            if not active[j] or work[0] >= budget:
                continue
            active[j] = False
            _, kind, arg, l1, l2 = best_move(lay, jb, st, cap, buf, cache, nbr_start, nbr, solo, j, work)
            if kind < 0:
                continue
            improved = True
            if kind == 0:
                a, b = move_job(jb, st, j, arg, l1, l2, work)
            else:
                a, b = swap_jobs(jb, st, j, arg, l1, l2, work)
            wake(st, active, rev_start, rev, a)
            wake(st, active, rev_start, rev, b)
    return improved


@njit(cache=True, nogil=True)
def merge_carts(lay, jb, st, cap, buf, nbr_start, nbr, rev_start, rev, active, budget, work):
    """Merge two carts (found through candidate lists) whenever one route is shorter than two."""
    merged = False
    seen = np.full(st[2].shape[0], -1, dtype=np.int64)
    for c1 in range(st[2].shape[0]):
        if st[2][c1] == 0 or work[0] >= budget:
            continue
        best, best_c, best_len = -EPS, -1, 0.0
        for k in range(st[2][c1]):
            j = st[1][c1, k]
            for r in range(nbr_start[j], nbr_start[j + 1]):
                c2 = st[0][nbr[r]]
                if c2 == c1 or seen[c2] == c1:
                    continue
                seen[c2] = c1
                if merge_fits(st, cap, c1, c2):
                    length = union_length(lay, jb, st, buf, c1, c2, work)
                    if length - st[6][c1] - st[6][c2] < best:
                        best, best_c, best_len = length - st[6][c1] - st[6][c2], c2, length
        if best_c >= 0:
            while st[2][best_c] > 0:
                j = st[1][best_c, 0]
                remove_job(jb, st, j)
                add_job(jb, st, c1, j)
            st[6][c1] = best_len
            bump(st, work, c1)
            bump(st, work, best_c)
            wake(st, active, rev_start, rev, c1)
            merged = True
    return merged


@njit(cache=True, nogil=True)
def local_search(lay, jb, st, cap, buf, cache, nbr_start, nbr, rev_start, rev, solo, active, budget, work):
    """Job moves and cart merges until neither improves (or the budget is spent)."""
    while work[0] < budget:
        descend(lay, jb, st, cap, buf, cache, nbr_start, nbr, rev_start, rev, solo, active, budget, work)
        if not merge_carts(lay, jb, st, cap, buf, nbr_start, nbr, rev_start, rev, active, budget, work):
            break
