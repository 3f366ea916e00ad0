"""The batching kernels against plain references: cart lengths, candidate lists, splitting, the search state."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.batching_cases import layout, problem
from tests.unit.routing_cases import random_layout, random_problem
from wms.picking.batching.carts import total_length
from wms.picking.batching.improve import construct, improve
from wms.picking.batching.jobs import make_jobs, select_orders
from wms.picking.batching.lengths import layout_tuple, points_length
from wms.picking.batching.local_search import seed_rng
from wms.picking.batching.neighbours import candidate_lists
from wms.picking.batching.search import make_search, min_carts
from wms.picking.batching.split import first_fit_decreasing, split_order
from wms.picking.kernels import warm_up
from wms.picking.routing.held_karp import held_karp
from wms.picking.routing.single_block import optimal_order, single_block_length
from wms.picking.routing.tour_states import TABLES


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    warm_up()


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_single_block_length_is_the_programme_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lay = random_layout(rng, blocks=1)
    p = random_problem(rng, lay, max_points=12)
    _, optimum = optimal_order(p)
    length = single_block_length(p.layout.aisle_x, p.layout.cross_y[1], p.layout.depot_x, p.aisle, p.y, *TABLES)
    assert math.isclose(length, optimum, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(points_length(layout_tuple(p.layout), p.aisle, p.y), optimum, rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([2, 3]))
def test_multi_block_length_is_a_real_tour_near_the_optimum(seed: int, blocks: int) -> None:
    rng = np.random.default_rng(seed)
    lay = random_layout(rng, blocks=blocks)
    p = random_problem(rng, lay, max_points=9)
    length = points_length(layout_tuple(p.layout), p.aisle, p.y)
    best = held_karp(p).length
    assert best - 1e-9 <= length <= 1.25 * best + 1e-9


def test_candidate_lists_and_their_reverse() -> None:
    near = np.array([[1, 2], [0, -1], [1, 0]])
    start, nbr, rev_start, rev = candidate_lists(near)
    assert [nbr[start[j] : start[j + 1]].tolist() for j in range(3)] == [[1, 2], [0], [1, 0]]
    assert [sorted(rev[rev_start[j] : rev_start[j + 1]].tolist()) for j in range(3)] == [[1, 2], [0, 2], [0]]


def _min_bins_brute_force(items: list[tuple[int, int, float]], max_units: float) -> int:
    for k in range(1, len(items) + 1):
        for assign in itertools.product(range(k), repeat=len(items)):
            loads = [0] * k
            for (_, u, _), b in zip(items, assign, strict=True):
                loads[b] += u
            if max(loads) <= max_units:
                return k
    return len(items)


@pytest.mark.parametrize("seed", range(25))
def test_split_uses_the_fewest_carts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    units = rng.integers(1, 9, n)
    pieces = split_order(np.arange(n), units, units * 1.0, 10.0, np.inf, seed)
    assert sorted(ln for piece in pieces for ln, _, _ in piece) == list(range(n))
    assert all(sum(u for _, u, _ in piece) <= 10 for piece in pieces)
    assert len(pieces) == _min_bins_brute_force([(i, int(u), 0.0) for i, u in enumerate(units)], 10.0)


def test_split_on_volume_and_cut_lines() -> None:
    pieces = split_order(np.array([7]), np.array([10]), np.array([5.0]), math.inf, 2.0)
    assert [(ln, u) for piece in pieces for ln, u, _ in piece] == [(7, 4), (7, 4), (7, 2)]
    assert len(first_fit_decreasing([(0, 3, 0.0), (1, 3, 0.0), (2, 4, 0.0)], 6.0, math.inf)) == 2


@pytest.mark.parametrize("seed", range(4))
def test_search_state_stays_consistent(seed: int) -> None:
    """After construction and improvement every cart's stored length and load match a recomputation."""
    rng = np.random.default_rng(seed)
    lay = layout(rng, blocks=1 + seed % 2)
    p = problem(rng, lay, 40, max_lines=4)
    jobs = make_jobs(p, select_orders(p))
    s = make_search(p, jobs, started=1e18)
    seed_rng(seed)
    best = improve(s, construct(s, jobs.rank))
    members = [best[1][c, : best[2][c]] for c in np.nonzero(best[2] > 0)[0]]
    assert sorted(int(j) for m in members for j in m) == list(range(jobs.n))
    assert len(members) >= min_carts(jobs, s.cap)
    for c, m in zip(np.nonzero(best[2] > 0)[0], members, strict=True):
        assert best[0][m].tolist() == [c] * len(m)
        assert math.isclose(best[3][c], jobs.units[m].sum()) and best[3][c] <= s.cap[1]
        pts = np.concatenate([np.arange(jobs.point_start[j], jobs.point_start[j + 1]) for j in m])
        assert math.isclose(best[6][c], points_length(s.lay, jobs.point_aisle[pts], jobs.point_y[pts]), abs_tol=1e-9)
    assert math.isclose(total_length(best), sum(best[6][best[2] > 0]))
