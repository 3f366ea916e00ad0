"""Constructive batching: FCFS and the seed algorithm with exact added distances.

* FCFS (the baseline): jobs in urgency order fill the open cart of their carrier
  group until the next one does not fit; then that cart is closed.
* Seed algorithm: the first unassigned job of a seed order (e.g. farthest
  first: the longest solo route) opens a cart; then, while some unassigned job
  fits, the ``k_eval`` jobs nearest to the cart by a cheap proxy (walk from each
  of the job's points to the nearest point of the cart or the depot, kept up to
  date per point) have their exact added length computed, and the best joins.
  The jobs looked at are the cart's pool (:mod:`seed_pool`): the candidate
  jobs of its jobs, and when none of them fits, the nearest unassigned jobs
  found in the spatial buckets around the cart.
  ``rule`` 0 takes the smallest added length, 1 the largest saving (solo length
  minus added length: the job most cheaply picked on this cart rather than alone).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.batching.carts import add_job, length_with
from wms.picking.batching.seed_pool import join, open_pool, pool_candidates, widen


def fcfs_carts(
    jobs_rank: np.ndarray, group: np.ndarray, units: np.ndarray, volume: np.ndarray, cap: tuple[float, float, float]
) -> list[list[int]]:
    """Carts (lists of job indices) filled first come, first served, per carrier group."""
    open_cart: dict[int, list[int]] = {}
    load: dict[int, list[float]] = {}
    carts: list[list[int]] = []
    for j in np.argsort(jobs_rank, kind="stable").tolist():
        g = int(group[j])
        cart, (n, u, v) = open_cart.get(g), load.get(g, [0, 0.0, 0.0])
        if cart is None or n + 1 > cap[0] or u + units[j] > cap[1] + 1e-9 or v + volume[j] > cap[2] + 1e-9:
            cart, (n, u, v) = [], (0, 0.0, 0.0)
            carts.append(cart)
            open_cart[g] = cart
        cart.append(j)
        load[g] = [n + 1, u + units[j], v + volume[j]]
    return carts


@njit(cache=True, nogil=True)
def seed_carts(lay, jb, st, cap, buf, seed_order, solo, k_eval, rule, work, nbr_start, nbr, ix, cells, sp, everyone):
    """Fill carts one by one (ids 0, 1, …) with the seed algorithm; returns the number of carts.

    ``sp`` is a fresh ``seed_pool`` (consumed); ``everyone``: every unassigned job is a candidate (small waves)."""
    n_carts = 0
    for s in seed_order:
        if st[0][s] >= 0:
            continue
        c = n_carts
        n_carts += 1
        add_job(jb, st, c, s)
        st[6][c] = solo[s]
        open_pool(lay, jb, st, sp, c, everyone)
        join(lay, jb, st, sp, nbr_start, nbr, c, s)
        while True:
            candidates = pool_candidates(jb, st, cap, sp, c, k_eval)
            if candidates.shape[0] == 0:
                widen(lay, jb, st, cap, ix, cells, sp, c, k_eval)
                candidates = pool_candidates(jb, st, cap, sp, c, k_eval)
            best, best_j, best_len = np.inf, -1, 0.0
            for j in candidates:
                length = length_with(lay, jb, st, buf, c, -1, j, work)
                score = length - st[6][c] - (solo[j] if rule == 1 else 0.0)
                if score < best:
                    best, best_j, best_len = score, j, length
            if best_j < 0:
                break
            add_job(jb, st, c, best_j)
            st[6][c] = best_len
            join(lay, jb, st, sp, nbr_start, nbr, c, best_j)
    return n_carts
