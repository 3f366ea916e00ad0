"""Wave planning entry points: ``plan_wave`` (the planner), and the baselines it is measured against.

``plan_wave(problem)``: select the most urgent orders, split those that alone
exceed a cart, build carts with the seed algorithm, improve them (annealing,
cart elimination, descent, exact re-partitions, and on small waves a
set-covering recombination of the carts met), route every pick list with
``route(…, "auto")``. A wave of at most ``EXACT_JOBS`` jobs on a single-block
layout is instead solved to optimality (every cart-sized subset routed
exactly, then the best partition by dynamic programming; method ``optimal``).
``plan_fcfs`` and ``plan_constructive`` are the baselines it is measured against.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from wms.picking.batching.carts import total_length
from wms.picking.batching.construct import fcfs_carts
from wms.picking.batching.improve import construct, improve, n_carts
from wms.picking.batching.jobs import Jobs, make_jobs, select_orders
from wms.picking.batching.lengths import layout_tuple
from wms.picking.batching.local_search import seed_rng
from wms.picking.batching.pick_lists import wave_result
from wms.picking.batching.problem import BatchingProblem, WaveResult
from wms.picking.batching.repartition import MAX_JOBS, optimal_carts
from wms.picking.batching.search import Search, make_search

EXACT_JOBS = 12  # jobs up to which a single-block wave is solved exactly (2^12 subsets routed)


def carts_of(st: tuple) -> list[list[int]]:
    return [st[1][c, : st[2][c]].tolist() for c in np.nonzero(st[2] > 0)[0]]


def _prepare(problem: BatchingProblem) -> tuple[np.ndarray, Jobs]:
    layout_tuple(problem.layout)  # validates the layout
    selected = select_orders(problem)
    return selected, make_jobs(problem, selected)


def plan_fcfs(problem: BatchingProblem, routing: str = "auto") -> WaveResult:
    """First come, first served carts, each routed with ``routing`` (e.g. "traversal" for the classic S-shape baseline)."""
    selected, jobs = _prepare(problem)
    carts = fcfs_carts(jobs.rank, jobs.group, jobs.units, jobs.volume, problem.capacity.limits())
    return wave_result(problem, jobs, carts, selected, "fcfs", routing=routing)


def plan_constructive(problem: BatchingProblem) -> WaveResult:
    """The seed algorithm alone (no improvement)."""
    started = time.perf_counter()
    selected, jobs = _prepare(problem)
    if jobs.n == 0:
        return wave_result(problem, jobs, [], selected, "constructive")
    search = make_search(problem, jobs, started)
    seed_rng(problem.seed)
    return wave_result(problem, jobs, carts_of(construct(search, jobs.rank)), selected, "constructive")


def _optimal(problem: BatchingProblem, jobs: Jobs, search: Search, selected: np.ndarray) -> WaveResult:
    total, cart = optimal_carts(
        search.lay, search.jb, search.cap, search.buf, np.arange(jobs.n, dtype=np.int64), search.members, search.work
    )
    carts = [np.nonzero(cart == c)[0].tolist() for c in range(int(cart.max()) + 1)]
    return wave_result(problem, jobs, carts, selected, "optimal", stats={"search_length": float(total)})


def plan_wave(problem: BatchingProblem, *, exact_jobs: int = EXACT_JOBS) -> WaveResult:
    """The planned wave: pick lists with exact routes, within ``problem.time_limit_s``.

    ``exact_jobs`` (at most ``MAX_JOBS``): solve waves of that many jobs or fewer
    exactly on single-block layouts; 0 always runs the heuristic.
    """
    started = time.perf_counter()
    selected, jobs = _prepare(problem)
    if jobs.n == 0:
        return wave_result(problem, jobs, [], selected, "improved")
    search = make_search(problem, jobs, started)
    if jobs.n <= min(exact_jobs, MAX_JOBS) and problem.layout.blocks == 1:
        return _optimal(problem, jobs, search, selected)
    seed_rng(problem.seed)
    st = construct(search, jobs.rank)
    stats = {
        "constructive_length": total_length(st),
        "constructive_carts": n_carts(st),
        "setup_s": time.perf_counter() - started,
    }
    best = improve(search, st)
    stats.update(
        search_length=total_length(best),
        lengths_computed=int(search.work[0]),
        anneal_budget=search.anneal_budget,
        min_carts=search.lower_bound,
        recombination_saving=search.recombined,
        pool_columns=int(search.pool[2][0]),
        search_s=time.perf_counter() - started,
    )
    status = "time_limit" if search.timed_out else "ok"
    return wave_result(problem, jobs, carts_of(best), selected, "improved", status, stats)


def _warm_up_problem(blocks: int, n_orders: int, seed: int) -> BatchingProblem:
    from wms.picking.batching.problem import CartCapacity  # noqa: PLC0415
    from wms.picking.routing.problem import LayoutArrays  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    layout = LayoutArrays(np.arange(6) * 3.0, np.arange(blocks + 1) * 20.0, 0.0)
    orders = [
        [
            (int(rng.integers(0, 6)), float(rng.uniform(0.5, 19.5 * blocks)), 1, 1.0)
            for _ in range(int(rng.integers(1, 4)))
        ]
        for _ in range(n_orders)
    ]
    # a limit far above the work (its deterministic budget ends the search first) keeps the path the same
    return BatchingProblem.from_orders(orders, layout, CartCapacity(max_orders=4, max_units=8), time_limit_s=60.0)


def _warm_up_search(blocks: int, n_orders: int, seed: int) -> None:
    """Chosen so that the search eliminates a cart (two blocks) and recombination saves (both). Run
    twice: while the first run compiles, the wall clock may cut a stage short; the second runs compiled."""
    problem = _warm_up_problem(blocks, n_orders, seed)
    for _ in range(2):
        plan_wave(problem, exact_jobs=0)
    plan_fcfs(problem, "s_shape")


WARM_UP_STEPS: tuple[tuple[str, Callable[[], object]], ...] = (
    ("small waves solved exactly", lambda: plan_wave(_warm_up_problem(1, 6, 0))),
    ("wave search on one block", lambda: _warm_up_search(1, 12, 0)),
    ("wave search on two blocks", lambda: _warm_up_search(2, 24, 3)),
)
