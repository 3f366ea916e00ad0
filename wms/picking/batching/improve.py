"""The improvement pipeline: descent, annealing, cart elimination, polishing.

1. ``anneal`` for ``FIRST_SHARE`` of the annealing budget (:mod:`anneal`),
   temperatures relative to the mean cart length. On a busy machine both
   annealing runs stop early enough to leave the steps after them their
   reserve (``Search.annealing_over``, :mod:`search`).
2. If there are more carts than the lower bound (units, volume, orders per
   cart), ``eliminate`` tries to empty the lightest cart of the best solution by
   an ejection chain (:mod:`eliminate`); the rest of the budget anneals that
   solution (or, on failure, the best one again, from a lower temperature).
3. ``polish`` the best solution: descent (relocate / swap / merge until no
   move shortens the wave, :mod:`local_search`), then exact re-partitions of
   neighbouring carts (:mod:`repartition`) while they help.
4. On a small wave, ``recombine`` the carts met on the way (:mod:`recombine`:
   set covering over the column pool; on one block the pool is first completed
   by column generation over each job's neighbours, :mod:`column_generation`),
   then descend once more.
"""

from __future__ import annotations

import numpy as np

from wms.picking.batching.anneal import anneal
from wms.picking.batching.carts import copy_carts, length_with, total_length
from wms.picking.batching.column_generation import price_into_pool
from wms.picking.batching.columns import record_all
from wms.picking.batching.construct import seed_carts
from wms.picking.batching.eliminate import eliminate_cart
from wms.picking.batching.local_search import local_search
from wms.picking.batching.recombine import recombine
from wms.picking.batching.repartition import repartition_pass
from wms.picking.batching.search import Search
from wms.picking.batching.seed_pool import seed_pool

K_EVAL = 30  # jobs whose exact added length the seed algorithm computes per step
T_START, T_END, T_SECOND = 0.04, 0.002, 0.01  # annealing temperatures, times the mean cart length
FIRST_SHARE = 0.7
DESCENT_SHARE = 0.05
ELIMINATION_STEPS = 5000
POLISH_ROUNDS = 3
REPARTITION_CARTS = 3


def n_carts(st: tuple) -> int:
    return int((st[2] > 0).sum())


def construct(s: Search, rank: np.ndarray) -> tuple:
    """The better of the seed algorithm's two rules, seeds farthest first (then most urgent)."""
    seeds = np.lexsort((rank, -s.solo)).astype(np.int64)
    best: tuple | None = None
    for rule in (0, 1):
        st = s.new_carts()
        pool = (s.nbr_start, s.nbr, s.ix, s.cells, seed_pool(s.jb, s.ix), s.exact_setup)
        seed_carts(s.lay, s.jb, st, s.cap, s.buf, seeds, s.solo, K_EVAL, rule, s.work, *pool)
        if best is None or total_length(st) < total_length(best):
            best = st
    assert best is not None  # both rules ran
    return best


def descend(s: Search, st: tuple) -> None:
    """Descent with at most DESCENT_SHARE of the annealing budget."""
    active = np.ones(len(s.solo), dtype=np.bool_)
    cap_work = s.work[0] + int(DESCENT_SHARE * s.anneal_budget)
    local_search(
        s.lay, s.jb, st, s.cap, s.buf, s.cache, s.nbr_start, s.nbr, s.rev_start, s.rev, s.solo, active, cap_work, s.work
    )


def anneal_for(s: Search, st: tuple, best: tuple, work: float, t_start: float, t_end: float) -> None:
    """Anneal ``st`` for ``work`` cart lengths in chunks, checking the clock between them (``annealing_over``)."""
    w0 = int(s.work[0])
    w1 = w0 + max(int(work), 0)
    chunk = max((w1 - w0) // 20, 1)
    while s.work[0] < w1 and not s.annealing_over():
        anneal(
            s.lay,
            s.jb,
            st,
            best,
            s.cap,
            s.buf,
            s.cache,
            s.nbr_start,
            s.nbr,
            t_start,
            t_end,
            w0,
            w1,
            min(w1, int(s.work[0]) + chunk),
            s.work,
            s.pool,
        )
        if s.work[0] < min(w1, w0 + chunk):  # the kernel stopped without spending its chunk: nothing to do
            break


def eliminated(s: Search, best: tuple) -> tuple | None:
    """A copy of ``best`` with one cart fewer (lengths recomputed, descended), or None."""
    if n_carts(best) <= s.lower_bound:
        return None
    st = s.new_carts()
    copy_carts(best, st)
    if not eliminate_cart(s.jb, st, s.cap, ELIMINATION_STEPS, s.work):
        return None
    for c in np.nonzero((st[2] > 0) & (st[6] < 0))[0]:
        st[6][c] = length_with(s.lay, s.jb, st, s.buf, c, -1, -1, s.work)
    descend(s, st)
    return st


def polish(s: Search, st: tuple) -> None:
    active = np.ones(len(s.solo), dtype=np.bool_)
    if s.out_of_time():
        return
    descend(s, st)
    for _ in range(POLISH_ROUNDS):
        if s.out_of_time():
            return
        better = repartition_pass(
            s.lay,
            s.jb,
            st,
            s.cap,
            s.buf,
            s.nbr_start,
            s.nbr,
            s.rev_start,
            s.rev,
            REPARTITION_CARTS,
            active,
            s.work[0] + s.anneal_budget // 10,
            s.work,
        )
        descend(s, st)
        if better == 0:
            return


def improve(s: Search, st: tuple) -> tuple:
    """The best solution found from ``st`` (which is used as scratch)."""
    best = s.new_carts()
    copy_carts(st, best)
    record_all(s.pool, st)
    scale = total_length(st) / max(n_carts(st), 1)
    anneal_for(s, st, best, FIRST_SHARE * s.anneal_budget, T_START * scale, T_END * scale)
    rest = s.anneal_budget * (1 - FIRST_SHARE)
    fewer = None if s.out_of_time() else eliminated(s, best)
    if fewer is not None:
        second = s.new_carts()
        copy_carts(fewer, second)
        anneal_for(s, fewer, second, rest, T_SECOND * scale, T_END * scale)
        if total_length(second) < total_length(best):
            copy_carts(second, best)
    else:
        copy_carts(best, st)
        anneal_for(s, st, best, rest, T_SECOND * scale, T_END * scale)
    polish(s, best)
    if s.recombine_s > 0 and not s.out_of_time():
        if s.pricing_lengths > 0:
            price_into_pool(s, best, s.pricing_lengths)
        s.recombined = recombine(s, best, s.recombine_s, s.seed, s.workers)
        if s.recombined > 0:
            descend(s, best)
    return best
