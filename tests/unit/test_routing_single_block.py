"""The exact single-block programme against Held–Karp, and Held–Karp against every order."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import routing_reference as reference
from tests.unit.routing_cases import (
    assert_visits_all_once,
    points_of,
    problem_of,
    random_layout,
    random_problem,
    recomputed,
)
from wms.inventory.layout import Layout
from wms.picking.routing import tour_states
from wms.picking.routing.held_karp import held_karp
from wms.picking.routing.heuristics import HEURISTICS
from wms.picking.routing.problem import RoutingProblem
from wms.picking.routing.router import improved_heuristic, warm_up
from wms.picking.routing.single_block import (
    optimal_order,
    single_block_kernel,
    solve_single_block,
)

ONE_BLOCK = Layout(
    aisles=3, aisle_pitch_m=3, blocks=1, bays_per_block=10, bay_width_m=1, cross_aisle_width_m=2, levels=1, depot_x_m=0
)  # block depth 12, picks at y = 1.5 … 10.5


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    warm_up()


def check(layout: Layout, problem: RoutingProblem, *, oracle: bool = True) -> float:
    route = solve_single_block(problem)
    assert route.status == "exact"
    assert_visits_all_once(problem, route)
    order, optimum = optimal_order(problem)
    assert order.tolist() == route.order.tolist()
    assert math.isclose(route.length, recomputed(layout, problem, route), rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(route.length, optimum, rel_tol=1e-9, abs_tol=1e-9), "the order does not realise the DP optimum"
    if oracle:
        best = held_karp(problem).length
        assert math.isclose(route.length, best, rel_tol=1e-9, abs_tol=1e-9), (layout, problem, route, best)
    return route.length


def test_small_cases_by_hand() -> None:
    # one pick at (3, 4.5): 3 across, 4.5 up, back again
    assert check(ONE_BLOCK, problem_of(ONE_BLOCK, [1], [4.5])) == 15.0
    # picks near the back of aisles 1 and 3: through both aisles, 2·6 across + 2·12 up and down
    assert check(ONE_BLOCK, problem_of(ONE_BLOCK, [0, 2], [10.5, 10.5])) == 36.0
    # both near the front: in and out of each aisle beats going round
    assert check(ONE_BLOCK, problem_of(ONE_BLOCK, [0, 2], [1.5, 1.5])) == 18.0


def test_empty_single_aisle_and_depot_point() -> None:
    route = solve_single_block(problem_of(ONE_BLOCK, [], []))
    assert route.length == 0.0 and route.order.tolist() == []
    one_aisle = Layout(
        aisles=1, aisle_pitch_m=3, blocks=1, bays_per_block=5, bay_width_m=1, cross_aisle_width_m=0, levels=1
    )
    assert check(one_aisle, problem_of(one_aisle, [0, 0, 0], [4.5, 0.5, 4.5])) == 9.0
    # a pick standing at the depot (front cross aisle, on the aisle the depot is on)
    assert check(ONE_BLOCK, problem_of(ONE_BLOCK, [0, 0], [0.0, 0.0])) == 0.0


def test_duplicates_are_visited_together() -> None:
    problem = problem_of(ONE_BLOCK, [2, 0, 2, 1, 0, 2], [5.5, 10.5, 5.5, 3.5, 10.5, 5.5])
    check(ONE_BLOCK, problem)


@pytest.mark.parametrize("depot", [0.0, 1.5, 3.0, 4.4, 6.0])
def test_depot_anywhere_on_the_front_cross_aisle(depot: float) -> None:
    layout = Layout(**{**ONE_BLOCK.as_dict(), "depot_x_m": depot})
    check(layout, problem_of(layout, [0, 2, 1], [10.5, 1.5, 6.5]))
    check(layout, problem_of(layout, [0], [1.5]))
    check(layout, problem_of(layout, [2, 2], [1.5, 10.5]))


@pytest.mark.parametrize("chunk", range(6))
def test_equals_held_karp_on_random_pick_lists(chunk: int) -> None:
    """6 × 200 = 1,200 pick lists of up to 10 points on 1–12 aisles, depot anywhere, with repeats."""
    rng = np.random.default_rng(1983 + chunk)
    for _ in range(200):
        layout = random_layout(rng, blocks=1)
        check(layout, random_problem(rng, layout, max_points=10))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), aisles=st.integers(1, 7), bays=st.integers(1, 6), depot_slot=st.integers(0, 12))
def test_points_anywhere_in_the_aisles(data: st.DataObject, aisles: int, bays: int, depot_slot: int) -> None:
    """Also exactly on the front or back cross aisle (then the aisle end itself must be visited)."""
    max_x = (aisles - 1) * 2.0
    layout = Layout(
        aisles=aisles,
        aisle_pitch_m=2.0,
        blocks=1,
        bays_per_block=bays,
        bay_width_m=1.0,
        cross_aisle_width_m=1.0,
        levels=1,
        depot_x_m=max_x * depot_slot / 12,
    )
    depth = layout.cross_aisle_y(1)
    ys = st.one_of(st.sampled_from([0.0, depth]), st.floats(0, depth))
    picks = data.draw(st.lists(st.tuples(st.integers(0, aisles - 1), ys), min_size=1, max_size=8))
    check(layout, problem_of(layout, [a for a, _ in picks], [y for _, y in picks]))


def test_beats_or_equals_every_heuristic_on_large_pick_lists() -> None:
    rng = np.random.default_rng(30)
    for _ in range(30):
        layout = random_layout(rng, blocks=1)
        problem = random_problem(rng, layout, max_points=40)
        best = check(layout, problem, oracle=False)
        for name, heuristic in HEURISTICS.items():
            assert heuristic(problem).length >= best - 1e-9, name
        assert improved_heuristic(problem).length >= best - 1e-9


def test_plain_python_run_of_the_kernel_agrees() -> None:
    rng = np.random.default_rng(5)
    for _ in range(5):
        layout = random_layout(rng, blocks=1)
        problem = random_problem(rng, layout, max_points=12)
        args = (
            problem.layout.aisle_x,
            float(problem.layout.cross_y[1]),
            problem.layout.depot_x,
            problem.aisle,
            problem.y,
            *tour_states.TABLES,
        )
        fast, slow = single_block_kernel(*args), single_block_kernel.py_func(*args)
        assert fast[1] == pytest.approx(slow[1]) and fast[0].tolist() == slow[0].tolist()


def test_held_karp_equals_trying_every_order() -> None:
    rng = np.random.default_rng(11)
    for _ in range(40):
        layout = random_layout(rng, blocks=int(rng.integers(1, 4)))
        problem = random_problem(rng, layout, max_points=6)
        points = sorted(set(points_of(layout, problem)))
        brute = min(reference.route_length(layout, list(p)) for p in itertools.permutations(points))
        route = held_karp(problem)
        assert_visits_all_once(problem, route)
        assert route.length == pytest.approx(brute, rel=1e-12)
        assert route.length == pytest.approx(recomputed(layout, problem, route), rel=1e-12)


def test_held_karp_refuses_too_many_points() -> None:
    layout = Layout(**{**ONE_BLOCK.as_dict(), "bays_per_block": 20})
    with pytest.raises(ValueError, match="at most"):
        held_karp(problem_of(layout, [1] * 16, [layout.bay_y(b) for b in range(1, 17)]))


def test_other_layouts_and_points_off_the_block_are_refused() -> None:
    with pytest.raises(ValueError, match="two cross aisles"):
        solve_single_block(problem_of(Layout(**{**ONE_BLOCK.as_dict(), "blocks": 2}), [0], [1.5]))
    with pytest.raises(ValueError, match="outside"):
        solve_single_block(problem_of(ONE_BLOCK, [0], [12.5]))
    with pytest.raises(ValueError, match="aisle index"):
        solve_single_block(problem_of(ONE_BLOCK, [3], [1.5]))


def test_state_tables() -> None:
    vt, ht, fin, _, _ = tour_states.TABLES
    single = vt[tour_states.EMPTY, tour_states.V_SINGLE]
    assert tour_states.decode(int(single)) == (tour_states.ODD, tour_states.ODD, False)
    assert not fin[single, 0, 0]  # odd ends: the tour must still close
    assert fin[vt[single, tour_states.V_SINGLE], 0, 0]  # through the next aisle back again: a cycle
    top = vt[vt[tour_states.EMPTY, tour_states.V_BOTTOM], tour_states.V_TOP]
    assert tour_states.decode(int(top))[2]  # two separate components
    assert not fin[top, 0, 0]
    assert ht[top, 0, 0, 0] == -1  # both components must be carried on
    assert ht[single, 1, 0, 0] >= 0  # once along the front and the back
