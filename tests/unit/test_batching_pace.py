"""On a busy machine the annealing stops early enough for the recombination to run (``Search.annealing_over``).

The search reads the time through ``Search.clock`` (wall, this thread's CPU). Here a clock driven by the
search's own work stands in for a machine where the planning thread gets half a core: every cart length
costs ``COST`` seconds of CPU and twice that of wall time. No real time is measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.unit.batching_cases import layout, problem
from wms.picking.batching import CartCapacity
from wms.picking.batching import improve as improve_module
from wms.picking.batching.column_generation import price_into_pool
from wms.picking.batching.improve import FIRST_SHARE, construct, improve
from wms.picking.batching.jobs import make_jobs, select_orders
from wms.picking.batching.local_search import seed_rng
from wms.picking.batching.search import SEARCH_SHARE, Search, make_search
from wms.picking.kernels import warm_up

COST = 0.01  # CPU seconds per cart length on the pretend machine (slow: CP-SAT never meets its wall limit)


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    warm_up()


class WorkClock:
    """(wall, CPU) from the search's work counter: CPU = COST per length, wall = ``slowdown`` × CPU."""

    def __init__(self, slowdown: float) -> None:
        self.slowdown = slowdown
        self.search: Search | None = None
        self.base = 0  # work before the clock starts (the construction)

    def __call__(self) -> tuple[float, float]:
        cpu = COST * float(self.search.work[0] - self.base) if self.search is not None else 0.0
        return self.slowdown * cpu, cpu


def _busy_search(slowdown: float, seed: int) -> tuple[Search, tuple, WorkClock]:
    """A 60-order wave whose annealing budget alone needs more wall time than the guard allows at ``slowdown``."""
    rng = np.random.default_rng(700 + seed)
    p = problem(rng, layout(rng), 60, max_lines=4, capacity=CartCapacity(max_orders=5, max_units=12), time_limit_s=30.0)
    jobs = make_jobs(p, select_orders(p))
    clock = WorkClock(slowdown)
    s = make_search(p, jobs, started=0.0, clock=clock)
    seed_rng(seed)
    st = construct(s, jobs.rank)
    clock.search, clock.base = s, int(s.work[0])  # the time starts after the construction
    s.clock0 = clock()
    # the time limit in the pretend machine's seconds: at slowdown 1 everything fits, at 2 the annealing alone does not
    s.deadline = SEARCH_SHARE * p.time_limit_s
    s.anneal_budget = int(0.5 * s.deadline / COST)
    s.reserve_s = 0.2 * p.time_limit_s
    s.recombine_s = 0.05  # CP-SAT's deterministic time, as on a 2 s wave
    s.pricing_lengths = 0  # the pricing before the recombination: its own work is not the subject here
    return s, st, clock


def test_pace_is_wall_per_cpu_second_since_the_search_began() -> None:
    times = iter([(16.0, 6.0), (16.0, 6.0)])
    s = Search.__new__(Search)
    s.clock, s.clock0 = lambda: next(times), (10.0, 4.0)
    assert s.pace() == 3.0  # 6 s of wall for 2 s of CPU
    s.clock0 = (15.0, 6.0)
    assert s.pace() == 1.0  # no CPU spent yet: no evidence of a slow machine


@pytest.mark.parametrize("seed", range(3))
def test_on_a_busy_machine_the_annealing_leaves_the_recombination_its_time(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []
    real = improve_module.recombine

    def spy(s: Search, st: tuple, *args: Any, **kwargs: Any) -> float:
        calls.append(s.remaining_s())
        return real(s, st, *args, **kwargs)

    monkeypatch.setattr(improve_module, "recombine", spy)
    s, st, _ = _busy_search(slowdown=2.0, seed=seed)
    w0 = int(s.work[0])
    improve(s, st)
    assert len(calls) == 1 and calls[0] > 0.0, "the recombination ran, before the guard"
    assert not s.timed_out, "and nothing passed the guard"
    # … because the annealing stopped short of its budget (at pace 2 the whole budget and the reserve pass the guard)
    assert int(s.work[0]) - w0 < s.anneal_budget
    assert 2.0 * (COST * s.anneal_budget + s.reserve_s) > s.deadline


@pytest.mark.parametrize("seed", range(3))
def test_without_the_reserve_the_guard_skips_the_recombination(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The behaviour the reserve replaces, on the same pretend machine: the annealing runs into the guard."""
    calls: list[float] = []

    def skipped(s: Search, *args: Any, **kwargs: Any) -> float:
        calls.append(s.remaining_s())
        return 0.0

    monkeypatch.setattr(improve_module, "recombine", skipped)
    s, st, _ = _busy_search(slowdown=2.0, seed=seed)
    s.reserve_s = 0.0
    improve(s, st)
    assert calls == [] and s.timed_out


@pytest.mark.parametrize("seed", range(3))
def test_on_an_idle_machine_the_reserve_changes_nothing(seed: int) -> None:
    """Pace 1: the annealing spends its whole budget and the result is the one without any clock."""
    s, st, _ = _busy_search(slowdown=1.0, seed=seed)
    a = improve(s, st)
    free, free_st, _ = _busy_search(slowdown=1.0, seed=seed)  # the random draws start again from the seed
    free.deadline, free.reserve_s = 1e18, 0.0
    b = improve(free, free_st)
    assert not s.timed_out
    assert int(s.work[0]) == int(free.work[0]) >= FIRST_SHARE * s.anneal_budget
    assert [a[0].tolist(), a[6].tolist()] == [b[0].tolist(), b[6].tolist()]


@pytest.mark.parametrize(("recombination_share", "priced"), [(0.3, False), (0.2, True)])
def test_the_pricing_leaves_the_recombination_its_time(recombination_share: float, priced: bool) -> None:
    """Half the wall time is left at pace 2: the pricing runs only when the recombination's deterministic time,
    at that pace, fits in what is left."""
    s, st, clock = _busy_search(slowdown=2.0, seed=0)
    clock.base -= int(0.25 * s.deadline / COST)  # a quarter of the deadline in CPU spent: half of it in wall time
    assert s.pace() == pytest.approx(2.0) and s.remaining_s() == pytest.approx(0.5 * s.deadline)
    s.recombine_s = recombination_share * s.deadline
    figures = price_into_pool(s, st, 1_000_000)
    assert (figures["rounds"] > 0) == priced
