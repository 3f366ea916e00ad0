"""The recombination step (set covering over the column pool) and the pool itself."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from tests.unit.batching_cases import brute_force, layout, problem
from wms.picking.batching import CartCapacity
from wms.picking.batching.carts import add_job, copy_carts, empty_carts, total_length
from wms.picking.batching.column_generation import price_into_pool
from wms.picking.batching.columns import (
    distinct_columns,
    members,
    new_pool,
    record,
    record_all,
    record_jobs,
)
from wms.picking.batching.improve import construct, improve
from wms.picking.batching.jobs import make_jobs, select_orders
from wms.picking.batching.lengths import points_length
from wms.picking.batching.local_search import seed_rng
from wms.picking.batching.problem import BatchingProblem
from wms.picking.batching.recombine import recombine
from wms.picking.batching.search import Search, make_search
from wms.picking.kernels import warm_up


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    warm_up()


def _search(p: BatchingProblem, seed: int = 0) -> tuple[Search, tuple]:
    jobs = make_jobs(p, select_orders(p))
    s = make_search(p, jobs, started=1e18)  # no wall-clock deadline
    seed_rng(seed)
    return s, construct(s, jobs.rank)


def _carts(st: tuple) -> list[list[int]]:
    return [sorted(st[1][c, : st[2][c]].tolist()) for c in np.nonzero(st[2] > 0)[0]]


def _length(s: Search, jobs: list[int]) -> float:
    pts = np.concatenate([np.arange(s.jb[0][j], s.jb[0][j + 1]) for j in jobs])
    return float(points_length(s.lay, s.jb[1][pts], s.jb[2][pts]))


def _fits(s: Search, jobs: list[int]) -> bool:
    units, volume, group = s.jb[3][jobs].sum(), s.jb[4][jobs].sum(), set(s.jb[5][jobs].tolist())
    return len(jobs) <= s.cap[0] and units <= s.cap[1] + 1e-9 and volume <= s.cap[2] + 1e-9 and len(group) == 1


def _check_state(s: Search, st: tuple) -> None:
    """A partition of the jobs into feasible carts whose stored loads and lengths are right."""
    carts = _carts(st)
    assert sorted(j for c in carts for j in c) == list(range(len(s.solo)))
    for c in np.nonzero(st[2] > 0)[0]:
        jobs = st[1][c, : st[2][c]].tolist()
        assert _fits(s, jobs)
        assert st[0][jobs].tolist() == [c] * len(jobs)
        assert math.isclose(st[3][c], s.jb[3][jobs].sum())
        assert math.isclose(st[6][c], _length(s, jobs), abs_tol=1e-9)


def test_pool_keeps_each_cart_once_with_its_shortest_length() -> None:
    st = empty_carts(70, 4)
    pool = new_pool(70, size=8)
    jb = (
        np.zeros(71, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.zeros(0),
        np.ones(70),
        np.zeros(70),
        np.zeros(70, dtype=np.int64),
    )
    for j in (3, 65, 69):
        add_job(jb, st, 0, j)
    add_job(jb, st, 1, 3)
    for length in (9.0, 7.0):
        st[6][0] = length
        record(pool, st, 0)
    st[6][1] = 2.0
    record_all(pool, st)
    masks, lengths = distinct_columns(pool)
    held = {float(length): np.nonzero(row)[0].tolist() for row, length in zip(members(masks, 70), lengths, strict=True)}
    assert held == {7.0: [3, 65, 69], 2.0: [3]}


@pytest.mark.parametrize("seed", range(6))
def test_recombined_wave_is_a_partition_never_longer(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    lay = layout(rng, blocks=1 + seed % 2)
    n = 40
    options = {"carrier": rng.integers(0, 2, n), "group_by_carrier": True} if seed % 3 == 2 else {}
    p = problem(rng, lay, n, max_lines=4, capacity=CartCapacity(max_orders=5, max_units=10, max_volume=4.0), **options)
    s, st = _search(p, seed)
    best = improve(s, st)  # the planner's path, recombination included
    _check_state(s, best)
    before = s.new_carts()
    copy_carts(best, before)
    saving = recombine(s, best, deterministic_s=2.0, seed=seed)
    _check_state(s, best)
    assert saving >= 0.0
    assert math.isclose(total_length(best), total_length(before) - saving, abs_tol=1e-6)


def _complete_pool(s: Search) -> None:
    """Every feasible cart of the (tiny) wave into the pool."""
    n = len(s.solo)
    for size in range(1, n + 1):
        for jobs in itertools.combinations(range(n), size):
            if not _fits(s, list(jobs)):
                continue
            st = empty_carts(n, n)
            for j in jobs:
                add_job(s.jb, st, 0, j)
            st[6][0] = _length(s, list(jobs))
            record(s.pool, st, 0)


@pytest.mark.parametrize("seed", range(10))
def test_recombination_over_every_cart_is_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(400 + seed)
    lay = layout(rng)
    n = int(rng.integers(3, 9))
    options = {"carrier": rng.integers(0, 2, n), "group_by_carrier": True} if seed % 4 == 3 else {}
    p = problem(
        rng,
        lay,
        n,
        max_lines=3,
        max_units=2,
        capacity=CartCapacity(max_orders=int(rng.integers(2, 4)), max_units=6),
        **options,
    )
    s, st = _search(p, seed)
    _complete_pool(s)
    start = total_length(st)
    saving = recombine(s, st, deterministic_s=5.0, seed=seed, max_columns=10**6)
    _check_state(s, st)
    assert math.isclose(total_length(st), brute_force(p), abs_tol=1e-6)
    assert math.isclose(saving, start - total_length(st), abs_tol=1e-6)


def test_a_cart_recorded_by_its_jobs_reads_back() -> None:
    pool = new_pool(130, size=4)
    record_jobs(pool, np.array([0, 63, 64, 129]), 5.0)
    masks, lengths = distinct_columns(pool)
    assert [np.nonzero(row)[0].tolist() for row in members(masks, 130)] == [[0, 63, 64, 129]]
    assert lengths.tolist() == [5.0]


@pytest.mark.parametrize("seed", range(4))
def test_priced_carts_join_the_pool_feasible_and_exactly_measured(seed: int) -> None:
    """Column generation over the neighbourhoods (before the recombination) converges on a small wave and
    adds carts; every cart in the pool then fits a cart and has its exact route length."""
    rng = np.random.default_rng(500 + seed)
    lay = layout(rng)
    n = 40
    options = {"carrier": rng.integers(0, 2, n), "group_by_carrier": True} if seed % 2 else {}
    p = problem(rng, lay, n, max_lines=4, capacity=CartCapacity(max_orders=5, max_units=10, max_volume=4.0), **options)
    s, st = _search(p, seed)
    record_all(s.pool, st)
    before = len(distinct_columns(s.pool)[1])
    figures = price_into_pool(s, st, 2_000_000)
    masks, lengths = distinct_columns(s.pool)
    assert figures["converged"] == 1.0 and len(lengths) > before
    for row, length in zip(members(masks, len(s.solo)), lengths.tolist(), strict=True):  # jobs: orders or pieces
        jobs = np.nonzero(row)[0].tolist()
        assert _fits(s, jobs)
        assert math.isclose(length, _length(s, jobs), abs_tol=1e-9)
