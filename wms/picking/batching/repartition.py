"""Exact re-partition of a few carts (or of a whole tiny wave): jobs split into carts optimally.

For the n ≤ ``MAX_JOBS`` jobs of a handful of neighbouring carts, every subset
that fits one cart is routed (exact lengths), then a dynamic programme over
subsets finds the cheapest partition: ``best[S] = min over carts T ⊆ S holding
the lowest job of S of length[T] + best[S \\ T]`` (3^n / 2 steps). When that
beats the carts' current total, they are replaced. A large-neighbourhood move
that the one-job moves of :mod:`local_search` cannot make when carts are full.
``optimal_carts`` applies the same programme to all jobs of a wave of at most
``MAX_JOBS`` jobs: the optimum (exact on one block, where lengths are exact).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.batching.carts import EPS, add_job, free_cart, remove_job
from wms.picking.batching.lengths import points_length
from wms.picking.batching.local_search import bump, wake

MAX_JOBS = 14


@njit(cache=True, nogil=True)
def _subset_lengths(lay, jb, cap, buf, jobs, max_members, work):
    """Length of every subset of ``jobs`` that fits one cart (inf for the others)."""
    n = jobs.shape[0]
    length = np.full(1 << n, np.inf)
    units, volume, size = np.zeros(1 << n), np.zeros(1 << n), np.zeros(1 << n, dtype=np.int64)
    group = np.zeros(1 << n, dtype=np.int64)
    length[0] = 0.0
    for mask in range(1, 1 << n):
        low = mask & -mask
        k = 0
        while (1 << k) != low:
            k += 1
        rest, j = mask ^ low, jobs[k]
        if rest > 0 and (length[rest] == np.inf or group[rest] != jb[5][j]):
            continue
        units[mask], volume[mask], size[mask] = units[rest] + jb[3][j], volume[rest] + jb[4][j], size[rest] + 1
        group[mask] = jb[5][j]
        if size[mask] > cap[0] or size[mask] > max_members or units[mask] > cap[1] + EPS or volume[mask] > cap[2] + EPS:
            continue
        m = 0
        for b in range(n):
            if mask >> b & 1:
                for p in range(jb[0][jobs[b]], jb[0][jobs[b] + 1]):
                    buf[0][m], buf[1][m] = jb[1][p], jb[2][p]
                    m += 1
        length[mask] = points_length(lay, buf[0][:m], buf[1][:m])
        work[0] += 1
    return length


@njit(cache=True, nogil=True)
def _best_partition(length):
    """(total, choice) of the cheapest partition of the full set; choice[S] = the cart taken from S."""
    full = length.shape[0] - 1
    best = np.full(full + 1, np.inf)
    choice = np.zeros(full + 1, dtype=np.int64)
    best[0] = 0.0
    for s in range(1, full + 1):
        low = s & -s
        rest = s ^ low
        sub = rest
        while True:
            t = sub | low
            if length[t] < np.inf and length[t] + best[s ^ t] < best[s]:
                best[s], choice[s] = length[t] + best[s ^ t], t
            if sub == 0:
                break
            sub = (sub - 1) & rest
    return best[full], choice


@njit(cache=True, nogil=True)
def optimal_carts(lay, jb, cap, buf, jobs, max_members, work):
    """The optimal carts of ``jobs`` (at most MAX_JOBS): (total length, cart of each job 0..k-1)."""
    length = _subset_lengths(lay, jb, cap, buf, jobs, max_members, work)
    total, choice = _best_partition(length)
    cart = np.full(jobs.shape[0], -1, dtype=np.int64)
    s, c = length.shape[0] - 1, 0
    while s > 0:
        for b in range(jobs.shape[0]):
            if choice[s] >> b & 1:
                cart[b] = c
        s ^= choice[s]
        c += 1
    return total, cart


@njit(cache=True, nogil=True)
def repartition(lay, jb, st, cap, buf, carts, active, rev_start, rev, work):
    """Re-partition the jobs of ``carts`` optimally; True if that shortened them."""
    n = 0
    for c in carts:
        n += st[2][c]
    jobs = np.empty(n, dtype=np.int64)
    n, before = 0, 0.0
    for c in carts:
        jobs[n : n + st[2][c]] = st[1][c, : st[2][c]]
        n += st[2][c]
        before += st[6][c]
    length = _subset_lengths(lay, jb, cap, buf, jobs, st[1].shape[1], work)
    total, choice = _best_partition(length)
    if total >= before - EPS:
        return False
    for j in jobs:
        remove_job(jb, st, j)
    s = length.shape[0] - 1
    while s > 0:
        t = choice[s]
        c = free_cart(st)
        for b in range(n):
            if t >> b & 1:
                add_job(jb, st, c, jobs[b])
        st[6][c] = length[t]
        bump(st, work, c)
        wake(st, active, rev_start, rev, c)
        s ^= t
    for c in carts:
        bump(st, work, c)
    return True


@njit(cache=True, nogil=True)
def partner_carts(st, nbr_start, nbr, c, k, max_jobs, links):
    """Cart c and up to k - 1 carts most linked to it by candidate lists (at most max_jobs jobs in all).

    ``links`` is an all-zero scratch array (one entry per cart), left all zero.
    """
    linked = []
    for m in range(st[2][c]):
        j = st[1][c, m]
        for r in range(nbr_start[j], nbr_start[j + 1]):
            b = st[0][nbr[r]]
            if b != c:
                if links[b] == 0:
                    linked.append(b)
                links[b] += 1 + np.random.randint(3)
    carts = [c]
    n = st[2][c]
    for _ in range(len(linked)):
        best, best_b = 0, -1
        for b in linked:
            if links[b] > best:
                best, best_b = links[b], b
        if best_b < 0 or len(carts) >= k:
            break
        links[best_b] = 0
        if n + st[2][best_b] <= max_jobs:
            carts.append(best_b)
            n += st[2][best_b]
    for b in linked:
        links[b] = 0
    return np.array(carts, dtype=np.int64)


@njit(cache=True, nogil=True)
def repartition_pass(lay, jb, st, cap, buf, nbr_start, nbr, rev_start, rev, k, active, budget, work):
    """One repartition around every cart in random order; returns how many improved."""
    improved = 0
    links = np.zeros(st[2].shape[0], dtype=np.int64)
    for c in np.random.permutation(st[2].shape[0]):
        if st[2][c] == 0 or work[0] >= budget:
            continue
        carts = partner_carts(st, nbr_start, nbr, c, k, MAX_JOBS, links)
        if carts.shape[0] > 1 and repartition(lay, jb, st, cap, buf, carts, active, rev_start, rev, work):
            improved += 1
    return improved
