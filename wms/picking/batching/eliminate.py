"""Cart elimination: empty the lightest cart by an ejection chain, so that fewer carts walk.

When carts are nearly full, the job moves of the other improvers cannot take
the last job out of a cart: the room is spread thinly over all of them. This
is bin packing, and solved as such (lengths are repaired afterwards by the
annealing): the lightest cart's jobs go into a pool; the largest pooled job
enters the cart it fills best, or, when no cart has room, takes the place of
the smallest job (or pair of jobs, from one cart) that makes room for it, and
that goes to the pool instead; a job that just entered a cart stays there for
``TABU`` steps. The chain ends with an empty pool (one cart fewer), or fails
after ``max_steps`` steps (the caller then keeps its copy).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.batching.carts import EPS, add_job, fits, remove_job
from wms.picking.batching.local_search import bump

TABU = 7


@njit(cache=True, nogil=True)
def _lightest(st):
    best, c_best = np.inf, -1
    for c in range(st[2].shape[0]):
        if st[2][c] > 0 and st[3][c] + 1e-3 * st[4][c] < best:
            best, c_best = st[3][c] + 1e-3 * st[4][c], c
    return c_best


@njit(cache=True, nogil=True)
def _best_fit(jb, st, cap, j, skip_cart):
    """The cart with room for j that is fullest afterwards (random ties), or -1."""
    best, cart = np.inf, -1
    for c in range(st[2].shape[0]):
        if st[2][c] > 0 and c != skip_cart and fits(jb, st, cap, c, -1, j):
            room = cap[1] - st[3][c] - jb[3][j] + np.random.random() * 0.5
            if room < best:
                best, cart = room, c
    return cart


@njit(cache=True, nogil=True)
def _fits_without_two(jb, st, cap, c, e1, e2, j):
    if st[5][c] != jb[5][j]:
        return False
    size = st[2][c] - 1
    units = st[3][c] - jb[3][e1] - jb[3][e2] + jb[3][j]
    volume = st[4][c] - jb[4][e1] - jb[4][e2] + jb[4][j]
    return size <= cap[0] and units <= cap[1] + EPS and volume <= cap[2] + EPS


@njit(cache=True, nogil=True)
def _ejection(jb, st, cap, j, tabu_until, step, skip_cart):
    """(cart, e1, e2) whose removal makes room for j with the fewest ejected units (e2 = -1: one job)."""
    best, cart, o1, o2 = np.inf, -1, -1, -1
    for c in range(st[2].shape[0]):
        if st[2][c] == 0 or c == skip_cart:
            continue
        for a in range(st[2][c]):
            e1 = st[1][c, a]
            if tabu_until[e1] > step:
                continue
            if fits(jb, st, cap, c, e1, j):
                score = jb[3][e1] + np.random.random() * 0.5
                if score < best:
                    best, cart, o1, o2 = score, c, e1, -1
                continue
            for b in range(a + 1, st[2][c]):
                e2 = st[1][c, b]
                if tabu_until[e2] <= step and _fits_without_two(jb, st, cap, c, e1, e2, j):
                    score = jb[3][e1] + jb[3][e2] + 0.5 + np.random.random() * 0.5
                    if score < best:
                        best, cart, o1, o2 = score, c, e1, e2
    return cart, o1, o2


@njit(cache=True, nogil=True)
def eliminate_cart(jb, st, cap, max_steps, work):
    """Try to empty the lightest cart into the others; True on success. Lengths are left stale (-1)."""
    c0 = _lightest(st)
    if c0 < 0:
        return False
    pool = list(st[1][c0, : st[2][c0]])
    while st[2][c0] > 0:
        remove_job(jb, st, st[1][c0, 0])
    bump(st, work, c0)
    tabu_until = np.zeros(st[0].shape[0], dtype=np.int64)
    for step in range(max_steps):
        if len(pool) == 0:
            return True
        k_max = 0
        for k in range(len(pool)):
            if jb[3][pool[k]] > jb[3][pool[k_max]]:
                k_max = k
        j = pool.pop(k_max)
        c = _best_fit(jb, st, cap, j, c0)
        if c < 0:
            c, e1, e2 = _ejection(jb, st, cap, j, tabu_until, step, c0)
            if c < 0:
                return False
            for e in (e1, e2):
                if e >= 0:
                    remove_job(jb, st, e)
                    pool.append(e)
        add_job(jb, st, c, j)
        st[6][c] = -1.0
        bump(st, work, c)
        tabu_until[j] = step + TABU
    return len(pool) == 0
