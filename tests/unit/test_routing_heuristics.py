"""Routing heuristics, 2-opt and the router: valid orders, honest lengths, never below the optimum."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.unit.routing_cases import (
    WORKED,
    assert_visits_all_once,
    problem_of,
    random_layout,
    random_problem,
    recomputed,
)
from wms.inventory.layout import Layout
from wms.picking.routing import router
from wms.picking.routing.distance import problem_matrix
from wms.picking.routing.held_karp import held_karp
from wms.picking.routing.heuristics import (
    HEURISTICS,
    combined,
    largest_gap,
    midpoint,
    return_route,
    s_shape,
)
from wms.picking.routing.local_search import improve, two_opt
from wms.picking.routing.problem import Route, RoutingProblem

ONE_BLOCK = Layout(
    aisles=4, aisle_pitch_m=3, blocks=1, bays_per_block=10, bay_width_m=1, cross_aisle_width_m=2, levels=1, depot_x_m=0
)  # depth 12, picks at y = 1.5 … 10.5
METHODS = [*HEURISTICS, "best_heuristic", "improved_heuristic"]


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    router.warm_up()


def check(layout: Layout, problem: RoutingProblem, route: Route, optimum: float, walked: bool = False) -> None:
    """``walked``: the length is the classic S-shape walk's (traversal), never below its order's layout length."""
    assert_visits_all_once(problem, route)
    if walked:
        assert route.length >= recomputed(layout, problem, route) - 1e-9
    else:
        assert math.isclose(route.length, recomputed(layout, problem, route), rel_tol=1e-12, abs_tol=1e-12)
    assert route.length >= optimum - 1e-9


@pytest.mark.parametrize("blocks", [1, 2, 3, 4])
def test_never_shorter_than_the_optimum(blocks: int) -> None:
    rng = np.random.default_rng(2001 + blocks)
    for _ in range(120):
        layout = random_layout(rng, blocks=blocks)
        problem = random_problem(rng, layout, max_points=9)
        optimum = held_karp(problem).length
        for method in METHODS:
            check(layout, problem, router.route(problem, method), optimum, walked=method == "traversal")


def test_large_pick_lists_on_many_blocks() -> None:
    rng = np.random.default_rng(77)
    for _ in range(20):
        layout = random_layout(rng, blocks=int(rng.integers(1, 5)))
        problem = random_problem(rng, layout, max_points=60)
        best = router.best_heuristic(problem)
        for name, heuristic in HEURISTICS.items():
            route = heuristic(problem)
            assert route.status == "heuristic"
            walked = name == "traversal"  # summed along its walk: equal lengths may differ in the last bit
            check(layout, problem, route, 0.0, walked=walked)
            assert route.length >= best.length - (1e-9 if walked else 0.0), name
        improved = router.improved_heuristic(problem)
        check(layout, problem, improved, 0.0)
        assert improved.length <= best.length


def orders(problem: RoutingProblem) -> dict[str, list[int]]:
    return {name: h(problem).order.tolist() for name, h in HEURISTICS.items()}


def test_single_block_orders_by_hand() -> None:
    # aisle 1: 2.5 (front); aisle 2: 9.5 (back) and 3.5 (front); aisle 3: 10.5; aisle 4: 5.5
    problem = problem_of(ONE_BLOCK, [0, 1, 1, 2, 3], [2.5, 9.5, 3.5, 10.5, 5.5])
    got = orders(problem)
    assert got["s_shape"] == [0, 1, 2, 3, 4]  # up 1, down 2, up 3, return into 4
    assert got["return"] == [0, 2, 1, 3, 4]  # every aisle from the front
    # up aisle 1, along the back into 2 and 3, down 4, into 2 from the front
    assert got["largest_gap"] == [0, 1, 3, 4, 2]
    assert got["midpoint"] == [0, 1, 3, 4, 2]
    assert got["combined"] == [0, 2, 1, 3, 4]  # return into 1, up 2, into 3 from the back, down 4


def test_multi_block_s_shape_by_hand() -> None:
    # worked layout: blocks 0 (y 1..11) and 1 (y 13..23). Up aisle 1 to the back block, up aisle 2
    # through it, down aisle 3 into the front block, down aisle 3 there, return into aisle 2.
    problem = problem_of(WORKED, [0, 1, 2, 2, 1], [1.5, 20.5, 14.5, 6.5, 8.5])
    assert s_shape(problem).order.tolist() == [0, 1, 2, 3, 4]


def test_depot_at_the_right_end_starts_from_the_right() -> None:
    layout = Layout(**{**ONE_BLOCK.as_dict(), "depot_x_m": 9.0})
    problem = problem_of(layout, [0, 3], [10.5, 10.5])
    assert s_shape(problem).order.tolist() == [1, 0]
    assert return_route(problem).order.tolist() == [1, 0]


def test_empty_and_duplicate_pick_lists() -> None:
    empty = problem_of(ONE_BLOCK, [], [])
    for name in METHODS:
        assert router.route(empty, name).length == 0.0
    problem = problem_of(ONE_BLOCK, [1, 1, 1], [4.5, 4.5, 4.5])
    for heuristic in (s_shape, return_route, midpoint, largest_gap, combined):
        assert heuristic(problem).length == 15.0


def test_two_opt_never_lengthens_a_tour() -> None:
    rng = np.random.default_rng(3)
    for _ in range(30):
        layout = random_layout(rng, blocks=3)
        problem = random_problem(rng, layout, max_points=25)
        start = return_route(problem)
        better = improve(problem, start)
        check(layout, problem, better, 0.0)
        assert better.length <= start.length
    d = problem_matrix(problem_of(WORKED, [0, 2, 1], [1.5, 5.5, 20.5]))
    assert sorted(two_opt(d, np.array([2, 0, 1], dtype=np.int64)).tolist()) == [0, 1, 2]


def test_auto_is_exact_on_one_block() -> None:
    rng = np.random.default_rng(9)
    for _ in range(50):
        layout = random_layout(rng, blocks=1)
        problem = random_problem(rng, layout)
        route = router.route(problem)
        assert route.status == "exact"
        assert route.length == pytest.approx(held_karp(problem).length, rel=1e-9)


def test_auto_uses_the_two_block_solver_on_two_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake(p: RoutingProblem) -> Route:
        calls.append(p)
        return Route(np.arange(len(p.aisle)), -1.0, "exact")

    monkeypatch.setattr(router, "solve_two_block", fake)
    problem = problem_of(WORKED, [0, 2], [13.5, 5.5])
    assert router.route(problem).length == -1.0 and calls == [problem]
    three = Layout(**{**WORKED.as_dict(), "blocks": 3})
    assert router.route(problem_of(three, [0, 2], [13.5, 5.5])).length == 39.0  # Held–Karp


def test_two_block_method_is_the_exact_two_block_programme() -> None:
    problem = problem_of(WORKED, [0, 2, 1], [13.5, 5.5, 20.5])
    route = router.route(problem, "two_block")
    assert route.status == "exact"
    assert route.length == pytest.approx(held_karp(problem).length, rel=1e-9)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown routing method"):
        router.route(problem_of(WORKED, [0], [1.5]), "nearest_neighbour")
