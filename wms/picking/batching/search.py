"""The search state of one wave: arrays for the kernels, a work budget and a deadline.

Budget: the kernels count the cart lengths they compute (``work[0]``); the
annealing gets ``ANNEAL_SHARE`` of the time limit converted into lengths by a
fixed cost model of this code on the reference machine (``length_cost_us``),
at most ``MAX_WORK_PER_JOB`` per job.
Waves of at most ``RECOMBINE_MAX_JOBS`` jobs end with a recombination
(:mod:`recombine`), whose CP-SAT gets ``RECOMBINE_SHARE`` of the time limit
as deterministic time, paid for by a smaller annealing share. On one block,
when a cart holds at most ``PRICING_MAX_MEMBERS`` jobs, column generation
first completes its pool (:mod:`column_generation`, at most
``PRICING_LENGTHS_PER_S`` cart lengths per second of the limit; the shares
``*_PRICING``). On e-commerce waves (carts of 12-24 small orders) the pricer's
search costs twice the CPU and was measured worse, so those are not priced.
Runs are therefore reproducible for a seed: the same work, the same random
draws, whatever the machine's speed. The wall clock is a guard only: when the
deadline passes first, the search stops at the next check and the result says
``time_limit`` (then a rerun may differ).

On a busy machine the guard would cut the last steps, the most valuable per
second. So the annealing stops early enough to leave the steps after it
(polishing, pricing, recombination) ``RESERVE_SHARE`` of the time limit in CPU at the
pace the search has had so far (wall seconds per CPU second of its thread):
less annealing, but the recombination of what it met. On an idle core the
annealing ends on its budget well before that point, so nothing changes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from wms.picking.batching.buckets import cell_buffer, cell_index
from wms.picking.batching.carts import buffers, empty_carts, job_tuple
from wms.picking.batching.columns import POOL_SIZE, new_pool
from wms.picking.batching.jobs import Jobs
from wms.picking.batching.lengths import job_lengths, layout_tuple
from wms.picking.batching.local_search import new_cache
from wms.picking.batching.neighbours import candidate_lists, nearest_jobs
from wms.picking.batching.problem import BatchingProblem

N_CANDIDATES = 40  # candidate jobs per job
MAX_VISITS = 10  # times N_CANDIDATES: the most jobs whose proxy is computed for one job's candidates
PAIR_BUDGET = 20_000  # … and at most this many point pairs' walks per job (jobs of many points: fewer visits)
MIN_VISITS = 4  # times N_CANDIDATES, whatever the points
EXACT_SETUP_PAIRS = 5e6  # (jobs × points a job)² up to which the set-up compares all pairs (below)
ANNEAL_SHARE = 0.6  # of the time limit, as work (cart lengths) for the annealing
ANNEAL_SHARE_RECOMBINING = 0.5  # the same when the wave is recombined (the rest pays the recombination)
ANNEAL_SHARE_PRICING = 0.35  # … and when its recombination is priced first (the rest pays both)
RECOMBINE_MAX_JOBS = 200  # waves up to this many jobs end with a recombination (its LP stays small)
MAX_WORK_PER_JOB = 2000  # annealing work never exceeds this many cart lengths per job
RECOMBINE_SHARE = 0.15  # of the time limit, as CP-SAT's deterministic time for the recombination
RECOMBINE_SHARE_PRICING = 0.2  # the same when the recombination is priced first
PRICING_LENGTHS_PER_S = 75_000  # cart lengths per second of the limit the pricing may compute (0: never priced)
PRICING_MAX_MEMBERS = 10  # priced only when a cart holds at most this many jobs (B2B-like: few, large orders)
SEARCH_SHARE = 0.92  # of the time limit, the wall-clock guard of the search (the rest: routing the pick lists)
RESERVE_SHARE = 0.3  # of the time limit, CPU kept for polishing, pricing and recombination after the annealing
RESERVE_SHARE_SOLO = 0.05  # the same on waves not recombined (polishing only)


def thread_clock() -> tuple[float, float]:
    """(wall, this thread's CPU) seconds: the pace of a search is their ratio."""
    return time.perf_counter(), time.thread_time()


def min_carts(jobs: Jobs, cap: np.ndarray) -> int:
    """Lower bound on the number of carts: orders, units and volume each divided by a cart."""
    ratios = [jobs.n / cap[0], jobs.units.sum() / cap[1], jobs.volume.sum() / cap[2]]
    return max(1, math.ceil(max(r for r in ratios if math.isfinite(r)) - 1e-9)) if jobs.n else 0


def max_members(jobs: Jobs, cap: np.ndarray) -> int:
    """Most jobs one cart can ever hold (sizes the carts' member table)."""
    bound = [float(jobs.n), cap[0]]
    if jobs.n and math.isfinite(cap[1]):
        bound.append(cap[1] // max(jobs.units.min(), 1e-9))
    if jobs.n and math.isfinite(cap[2]) and jobs.volume.min() > 0:
        bound.append(cap[2] // jobs.volume.min())
    return max(1, int(min(bound)))


def length_cost_us(problem: BatchingProblem, jobs: Jobs, cap: np.ndarray) -> float:
    """Estimated µs per cart length (kernel and bookkeeping) on the reference machine (2-core EPYC)."""
    points = len(jobs.point_aisle) / max(min_carts(jobs, cap), 1)
    if problem.layout.blocks == 1:
        return 2.5 + 0.25 * problem.layout.n_aisles + 0.12 * points
    return 2.5 + 0.25 * problem.layout.n_aisles + 0.01 * points * points


def exact_setup(jobs: Jobs) -> bool:
    """Small waves keep the exact set-up: all-pairs candidate lists, every unassigned job a seed candidate.

    A bounded amount of work (at most ``EXACT_SETUP_PAIRS`` point pairs, ≈ 1,200 e-commerce orders or 150
    B2B orders), so not a quadratic step as waves grow; it keeps these waves' plans what they were.
    """
    return float(len(jobs.point_aisle)) ** 2 <= EXACT_SETUP_PAIRS


def visits(jobs: Jobs, k: int) -> int:
    """Jobs whose proxy the candidate search may compute per job (:mod:`neighbours`)."""
    if exact_setup(jobs):  # every point's share is every job: the lists equal the all-pairs ones
        return max(jobs.n * int(np.diff(jobs.point_start).max(initial=1)), 1)
    pairs = (len(jobs.point_aisle) / max(jobs.n, 1)) ** 2
    return int(max(MIN_VISITS * k, min(MAX_VISITS * k, PAIR_BUDGET / max(pairs, 1.0))))


@dataclass
class Search:
    lay: tuple
    jb: tuple
    cap: np.ndarray
    buf: tuple
    solo: np.ndarray
    nbr_start: np.ndarray
    nbr: np.ndarray
    rev_start: np.ndarray
    rev: np.ndarray
    ix: tuple  # the jobs' spatial buckets (:mod:`buckets`)
    exact_setup: bool  # a small wave: seed candidates from all jobs (:mod:`seed_pool`)
    cells: np.ndarray  # scratch for them
    cache: tuple
    members: int
    lower_bound: int
    anneal_budget: int
    deadline: float
    pool: tuple
    recombine_s: float  # CP-SAT deterministic time of the recombination (:mod:`recombine`), 0 = none
    seed: int
    workers: int
    work: np.ndarray = field(default_factory=lambda: np.zeros(2, dtype=np.int64))
    timed_out: bool = False
    recombined: float = 0.0  # metres the recombination saved
    reserve_s: float = 0.0  # CPU seconds the steps after the annealing keep (RESERVE_SHARE)
    pricing_lengths: int = 0  # cart lengths the pricing before the recombination may compute, 0 = none
    clock: Callable[[], tuple[float, float]] = thread_clock
    clock0: tuple[float, float] = (0.0, 0.0)  # the clock when the search was made

    def new_carts(self) -> tuple:
        return empty_carts(len(self.solo), self.members)

    def remaining_s(self) -> float:
        """Wall seconds left before the guard."""
        return self.deadline - self.clock()[0]

    def out_of_time(self) -> bool:
        self.timed_out = self.timed_out or self.remaining_s() < 0
        return self.timed_out

    def pace(self) -> float:
        """Wall seconds per CPU second of this thread since the search was made (at least 1)."""
        wall, cpu = self.clock()
        spent = cpu - self.clock0[1]
        return max(1.0, (wall - self.clock0[0]) / spent) if spent > 0 else 1.0

    def annealing_over(self) -> bool:
        """The guard passed, or the reserve at the pace so far needs what wall-clock time is left."""
        return self.out_of_time() or self.pace() * self.reserve_s > self.remaining_s()


def make_search(
    problem: BatchingProblem, jobs: Jobs, started: float, clock: Callable[[], tuple[float, float]] = thread_clock
) -> Search:
    clock0 = clock()
    lay = layout_tuple(problem.layout)
    jb = job_tuple(jobs)
    cap = np.array(problem.capacity.limits())
    ix, cells = cell_index(lay, jb), cell_buffer(lay)
    k = min(N_CANDIDATES, max(jobs.n - 1, 1))
    near, _ = nearest_jobs(lay, jb, ix, cells, k, visits(jobs, k))
    nbr_start, nbr, rev_start, rev = candidate_lists(near)
    recombining = jobs.n <= RECOMBINE_MAX_JOBS
    members = max_members(jobs, cap)
    pricing = (
        recombining and problem.layout.blocks == 1 and members <= PRICING_MAX_MEMBERS and PRICING_LENGTHS_PER_S > 0
    )
    share = ANNEAL_SHARE_PRICING if pricing else ANNEAL_SHARE_RECOMBINING if recombining else ANNEAL_SHARE
    budget = min(share * problem.time_limit_s * 1e6 / length_cost_us(problem, jobs, cap), MAX_WORK_PER_JOB * jobs.n)
    return Search(
        lay=lay,
        jb=jb,
        cap=cap,
        buf=buffers(jobs),
        solo=job_lengths(lay, jobs.point_start, jobs.point_aisle, jobs.point_y),
        nbr_start=nbr_start,
        nbr=nbr,
        rev_start=rev_start,
        rev=rev,
        ix=ix,
        exact_setup=exact_setup(jobs),
        cells=cells,
        cache=new_cache(jobs.n),
        members=members,
        lower_bound=min_carts(jobs, cap),
        anneal_budget=int(budget),
        deadline=started + SEARCH_SHARE * problem.time_limit_s,
        pool=new_pool(jobs.n, POOL_SIZE if recombining else 1),
        recombine_s=(RECOMBINE_SHARE_PRICING if pricing else RECOMBINE_SHARE if recombining else 0.0)
        * problem.time_limit_s,
        seed=problem.seed,
        workers=problem.workers,
        reserve_s=(RESERVE_SHARE if recombining else RESERVE_SHARE_SOLO) * problem.time_limit_s,
        pricing_lengths=int(PRICING_LENGTHS_PER_S * problem.time_limit_s) if pricing else 0,
        clock=clock,
        clock0=clock0,
    )
