"""Iterated local search for layouts of three or more blocks: honest lengths, never worse than the
classic heuristics, optimal on tiny lists, reproducible for a seed; and the router's choice."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from tests.unit.routing_cases import (
    WORKED,
    assert_visits_all_once,
    points_of,
    problem_of,
    random_layout,
    random_problem,
    recomputed,
)
from tests.unit.tsp_oracle import held_karp as oracle
from wms.inventory.layout import Layout
from wms.picking.routing import router
from wms.picking.routing.distance import problem_matrix
from wms.picking.routing.held_karp import held_karp
from wms.picking.routing.iterated import kicks, local_optimum, nearest, tour_cost
from wms.picking.routing.multi_block import best_heuristic, solve_multi_block
from wms.picking.routing.points import unique_problem
from wms.picking.routing.problem import Route, RoutingProblem


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    router.warm_up()


def check(layout: Layout, problem: RoutingProblem, route: Route) -> None:
    """Every point once, the layout.md length of its order, no longer than the best classic heuristic."""
    assert_visits_all_once(problem, route)
    assert math.isclose(route.length, recomputed(layout, problem, route), rel_tol=1e-12, abs_tol=1e-12)
    assert route.length <= best_heuristic(problem).length


def distinct(problem: RoutingProblem) -> int:
    return len(unique_problem(problem)[0].aisle)


def closed(order: list[int], n: int) -> np.ndarray:
    return np.array([n, *order, n], dtype=np.int64)


@pytest.mark.parametrize("blocks", [3, 4, 6])
def test_length_is_the_layout_length_and_never_above_the_best_heuristic(blocks: int) -> None:
    rng = np.random.default_rng(300 + blocks)
    for _ in range(40):
        layout = random_layout(rng, blocks=blocks, max_aisles=14)
        problem = random_problem(rng, layout, max_points=60)
        route = solve_multi_block(problem)
        check(layout, problem, route)
        assert route.status in ("improved", "heuristic")


@pytest.mark.parametrize("blocks", [3, 4])
def test_optimal_on_tiny_pick_lists(blocks: int) -> None:
    """Up to 6 points (depot anywhere, repeats, crowded aisles): equal to the brute-force optimum, every case."""
    rng = np.random.default_rng(40 + blocks)
    for _ in range(500):
        layout = random_layout(rng, blocks=blocks)
        problem = random_problem(rng, layout, max_points=6)
        route = solve_multi_block(problem)
        assert route.length == pytest.approx(oracle(layout, points_of(layout, problem)), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("blocks", [3, 4])
def test_matches_held_karp_up_to_twelve_points(blocks: int) -> None:
    """Measured optimal on every one of these; the benchmark reports 11-14 points."""
    rng = np.random.default_rng(80 + blocks)
    for _ in range(150):
        layout = random_layout(rng, blocks=blocks)
        problem = random_problem(rng, layout, max_points=12)
        assert solve_multi_block(problem).length == pytest.approx(held_karp(problem).length, rel=1e-12)


def test_same_seed_same_route() -> None:
    rng = np.random.default_rng(5)
    layout = Layout(
        aisles=12,
        aisle_pitch_m=3,
        blocks=4,
        bays_per_block=12,
        bay_width_m=1,
        cross_aisle_width_m=2,
        levels=1,
        depot_x_m=7.5,
    )
    for _ in range(5):
        problem = random_problem(rng, layout, max_points=50)
        first = solve_multi_block(problem, seed=7, time_limit_s=60.0)
        again = solve_multi_block(problem, seed=7, time_limit_s=60.0)
        assert first.order.tolist() == again.order.tolist() and first.length == again.length
        other = solve_multi_block(problem, seed=8, time_limit_s=60.0)
        assert_visits_all_once(problem, other)


def test_no_time_no_kicks_still_a_local_optimum_of_the_best_heuristic() -> None:
    rng = np.random.default_rng(11)
    layout = random_layout(rng, blocks=3, max_aisles=10)
    problem = random_problem(rng, layout, max_points=40)
    quick = solve_multi_block(problem, time_limit_s=0.0)
    assert quick.length == solve_multi_block(problem, n_kicks=0).length
    assert quick.length <= best_heuristic(problem).length
    assert solve_multi_block(problem).length <= quick.length


def test_kernels_against_plain_python() -> None:
    rng = np.random.default_rng(3)
    layout = random_layout(rng, blocks=3)
    while True:
        problem = random_problem(rng, layout, max_points=25)
        if distinct(problem) >= 8:
            break
    unique = unique_problem(problem)[0]
    d, n = problem_matrix(unique), distinct(problem)
    near = nearest(d, 5)
    for x in range(n + 1):  # the 5 nearest others, ties by index
        assert near[x].tolist() == sorted((y for y in range(n + 1) if y != x), key=lambda y: (d[x, y], y))[:5]
    start = closed(rng.permutation(n).tolist(), n)
    assert tour_cost(d, start) == pytest.approx(sum(d[a, b] for a, b in itertools.pairwise(start)))
    better = local_optimum(d, start, nearest(d, n))
    assert better[0] == better[-1] == n and sorted(better[1:-1].tolist()) == list(range(n))
    assert tour_cost(d, better) <= tour_cost(d, start)
    current, best = kicks(d, near, better, better.copy(), rng.random((50, 3)))
    assert sorted(best[1:-1].tolist()) == list(range(n)) and best[0] == best[-1] == n
    assert tour_cost(d, best) <= tour_cost(d, current) + 1e-9 and tour_cost(d, best) <= tour_cost(d, better)


def test_auto_on_three_blocks_uses_held_karp_then_the_search(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[RoutingProblem] = []

    def spy(problem: RoutingProblem) -> Route:
        calls.append(problem)
        return solve_multi_block(problem)

    monkeypatch.setattr(router, "solve_multi_block", spy)
    three = Layout(**{**WORKED.as_dict(), "blocks": 3, "aisles": 8})
    rng = np.random.default_rng(21)
    small = large = 0
    for _ in range(40):
        problem = random_problem(rng, three, max_points=30)
        route = router.route(problem)
        check(three, problem, route)
        if distinct(problem) <= router.HELD_KARP_AUTO:
            small += 1
            assert route.status == "exact" and route.length == held_karp(problem).length
            assert not calls
        else:
            large += 1
            assert calls == [problem]
            calls.clear()
    assert small and large
    assert router.route(problem_of(three, [0, 2], [13.5, 5.5]), "multi_block").length == 39.0
