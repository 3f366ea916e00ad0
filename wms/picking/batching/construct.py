"""Constructive batching: FCFS and the seed algorithm with exact added distances.

* FCFS (the baseline): jobs in urgency order fill the open cart of their carrier
  group until the next one does not fit; then that cart is closed.
* Seed algorithm: the first unassigned job of a seed order (e.g. farthest
  first: the longest solo route) opens a cart; then, while some unassigned job
  fits, the ``k_eval`` jobs nearest to the cart by a cheap proxy (walk from each
  of the job's points to the nearest point of the cart or the depot, kept up to
  date per point) have their exact added length computed, and the best joins.
  ``rule`` 0 takes the smallest added length, 1 the largest saving (solo length
  minus added length: the job most cheaply picked on this cart rather than alone).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.batching.carts import add_job, fits, length_with
from wms.picking.batching.lengths import walk


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


@njit(cache=True)
def _attach(lay, jb, pmin, j):
    """Lower every pending point's walk-to-cart by the points of job j, which just joined the cart."""
    aisle_x, cross_y, pa, py = lay[0], lay[1], jb[1], jb[2]
    for q in range(jb[0][j], jb[0][j + 1]):
        for p in range(pmin.shape[0]):
            pmin[p] = min(pmin[p], walk(aisle_x, cross_y, 0.0, pa[p], py[p], pa[q], py[q]))


@njit(cache=True)
def _reset(lay, jb, pmin):
    aisle_x, cross_y, depot_x = lay[0], lay[1], lay[2]
    for p in range(pmin.shape[0]):
        pmin[p] = walk(aisle_x, cross_y, depot_x, jb[1][p], jb[2][p], -1, 0.0)


@njit(cache=True)
def _candidates(jb, st, cap, pmin, c, k_eval):
    """Up to k_eval unassigned jobs that fit cart c, nearest first by the proxy."""
    n_jobs = st[0].shape[0]
    near = np.full(n_jobs, np.inf)
    for j in range(n_jobs):
        if st[0][j] < 0 and fits(jb, st, cap, c, -1, j):
            near[j] = pmin[jb[0][j] : jb[0][j + 1]].sum()
    order = np.argsort(near, kind="mergesort")[:k_eval]
    return order[near[order] < np.inf]


@njit(cache=True)
def seed_carts(lay, jb, st, cap, buf, seed_order, solo, k_eval, rule, work):
    """Fill carts one by one (ids 0, 1, …) with the seed algorithm; returns the number of carts."""
    pmin = np.empty(jb[1].shape[0])
    n_carts = 0
    for s in seed_order:
        if st[0][s] >= 0:
            continue
        c = n_carts
        n_carts += 1
        add_job(jb, st, c, s)
        st[6][c] = solo[s]
        _reset(lay, jb, pmin)
        _attach(lay, jb, pmin, s)
        while True:
            best, best_j, best_len = np.inf, -1, 0.0
            for j in _candidates(jb, st, cap, pmin, c, k_eval):
                length = length_with(lay, jb, st, buf, c, -1, j, work)
                score = length - st[6][c] - (solo[j] if rule == 1 else 0.0)
                if score < best:
                    best, best_j, best_len = score, j, length
            if best_j < 0:
                break
            add_job(jb, st, c, best_j)
            st[6][c] = best_len
            _attach(lay, jb, pmin, best_j)
    return n_carts
