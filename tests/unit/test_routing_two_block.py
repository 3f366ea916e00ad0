"""Exact two-block routing (Roodbergen & de Koster DP) against brute force over layout.md distances."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.routing_cases import assert_visits_all_once, points_of, recomputed
from tests.unit.routing_reference import Point, route_length
from tests.unit.tsp_oracle import by_permutations, held_karp
from wms.inventory.layout import Layout
from wms.picking.routing import two_block
from wms.picking.routing.distance import problem_arrays
from wms.picking.routing.multi_block import best_heuristic
from wms.picking.routing.problem import LayoutArrays, Route, RoutingProblem
from wms.picking.routing.two_block import solve_two_block
from wms.picking.routing.two_block_states import TABLES
from wms.picking.routing.two_block_walk import pairwise_sum

WORKED = Layout(
    aisles=3, aisle_pitch_m=3, blocks=2, bays_per_block=10, bay_width_m=1, cross_aisle_width_m=2, levels=1, depot_x_m=0
)


def problem_for(layout: Layout, points: list[Point]) -> RoutingProblem:
    pitch = layout.aisle_pitch_m
    aisles = [round(x / pitch) for x, _ in points]
    assert all(layout.aisle_x(a + 1) == x for a, (x, _) in zip(aisles, points, strict=True))
    return RoutingProblem(
        aisle=np.array(aisles, dtype=np.int64),
        y=np.array([y for _, y in points], dtype=np.float64),
        layout=LayoutArrays.from_layout(layout),
    )


def check(layout: Layout, points: list[Point]) -> float:
    """The route visits every point once, reports its own layout.md length, and that length is optimal."""
    route = solve_two_block(problem_for(layout, points))
    assert route.status == "exact"
    assert sorted(route.order.tolist()) == list(range(len(points)))
    walked = route_length(layout, [points[i] for i in route.order])
    assert math.isclose(route.length, walked, rel_tol=1e-9, abs_tol=1e-9)
    optimum = held_karp(layout, points)
    assert math.isclose(route.length, optimum, rel_tol=1e-9, abs_tol=1e-9), (layout, points, route, optimum)
    return route.length


def random_layout(rng: np.random.Generator) -> Layout:
    aisles = int(rng.integers(1, 11))
    pitch = float(rng.choice([1.0, 2.5, 3.0, 4.2]))
    max_x = (aisles - 1) * pitch
    kind = int(rng.integers(5)) if aisles > 1 else 0
    depot = [
        0.0,
        max_x,
        int(rng.integers(aisles)) * pitch,
        (int(rng.integers(max(aisles - 1, 1))) + float(rng.uniform(0.05, 0.95))) * pitch,
        float(rng.uniform(0, max_x)),
    ][kind]
    return Layout(
        aisles=aisles,
        aisle_pitch_m=pitch,
        blocks=2,
        bays_per_block=int(rng.integers(1, 13)),
        bay_width_m=float(rng.choice([0.5, 1.0, 1.3])),
        cross_aisle_width_m=float(rng.choice([0.0, 0.0, 1.0, 2.0, 3.5])),
        levels=1,
        depot_x_m=min(depot, max_x),
    )


def random_picks(rng: np.random.Generator, layout: Layout) -> list[Point]:
    """Up to 10 picks: spread out, crowded into a few aisles, or drawn with repeats from a small pool."""
    n = 10 if rng.random() < 0.3 else int(rng.integers(0, 11))
    aisles = np.arange(1, layout.aisles + 1)
    mode = int(rng.integers(3))
    if mode == 1:
        aisles = rng.choice(aisles, size=min(len(aisles), int(rng.integers(1, 3))), replace=False)
    pool = [
        (int(rng.choice(aisles)), int(rng.integers(1, layout.bays_per_aisle + 1)))
        for _ in range(n if mode != 2 else max(1, n // 2))
    ]
    picks = pool if mode != 2 else [pool[int(rng.integers(len(pool)))] for _ in range(n)]
    return [(layout.aisle_x(a), layout.bay_y(b)) for a, b in picks]


def test_worked_example() -> None:
    a03_b005, a01_b011, a01_b001 = (6.0, 5.5), (0.0, 13.5), (0.0, 1.5)
    assert route_length(WORKED, [a03_b005, a01_b011]) == 39.0  # a feasible route of layout.md
    assert check(WORKED, [a03_b005, a01_b011]) <= 39.0
    assert check(WORKED, [a03_b005, a01_b011, a01_b001]) <= 39.0


@pytest.mark.parametrize("chunk", range(8))
def test_matches_brute_force_on_random_pick_lists(chunk: int) -> None:
    rng = np.random.default_rng(20010 + chunk)
    for _ in range(150):  # 8 x 150 = 1,200 pick lists
        layout = random_layout(rng)
        check(layout, random_picks(rng, layout))


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    aisles=st.integers(1, 6),
    bays=st.integers(1, 5),
    cross=st.sampled_from([0.0, 1.5]),
    depot_slot=st.integers(0, 10),
)
def test_matches_brute_force_with_picks_on_cross_aisle_lines(
    data, aisles: int, bays: int, cross: float, depot_slot: int
) -> None:
    """Points anywhere on an aisle, also exactly on a cross aisle's centre line or at the depot."""
    max_x = (aisles - 1) * 2.0
    layout = Layout(
        aisles=aisles,
        aisle_pitch_m=2.0,
        blocks=2,
        bays_per_block=bays,
        bay_width_m=1.0,
        cross_aisle_width_m=cross,
        levels=1,
        depot_x_m=max_x * depot_slot / 10,
    )
    top = layout.cross_aisle_y(2)
    y = st.one_of(st.sampled_from(layout.cross_aisle_ys()), st.floats(0, top), st.sampled_from([0.25, top - 0.25]))
    points = data.draw(st.lists(st.tuples(st.integers(1, aisles).map(layout.aisle_x), y), max_size=8))
    check(layout, points)


def test_empty_and_depot_only_pick_lists() -> None:
    route = solve_two_block(problem_for(WORKED, []))
    assert route.length == 0.0 and route.order.tolist() == []
    route = solve_two_block(problem_for(WORKED, [(0.0, 0.0), (0.0, 0.0)]))
    assert route.length == 0.0 and sorted(route.order.tolist()) == [0, 1]


def test_duplicates_are_visited_together() -> None:
    points = [(6.0, 5.5), (0.0, 13.5), (6.0, 5.5), (0.0, 13.5), (6.0, 5.5)]
    route = solve_two_block(problem_for(WORKED, points))
    assert route.length == 39.0
    seq = [points[i] for i in route.order]
    assert seq in ([(6.0, 5.5)] * 3 + [(0.0, 13.5)] * 2, [(0.0, 13.5)] * 2 + [(6.0, 5.5)] * 3)


def test_depot_between_aisles_and_at_the_right_end() -> None:
    for depot in (1.5, 4.5, 6.0):
        layout = Layout(
            aisles=3,
            aisle_pitch_m=3,
            blocks=2,
            bays_per_block=10,
            bay_width_m=1,
            cross_aisle_width_m=2,
            levels=1,
            depot_x_m=depot,
        )
        check(layout, [(0.0, 13.5), (6.0, 22.5), (3.0, 1.5)])
        check(layout, [(0.0, 1.5)])


def test_other_block_counts_and_points_off_the_layout_are_refused() -> None:
    one_block = Layout(
        aisles=3, aisle_pitch_m=3, blocks=1, bays_per_block=10, bay_width_m=1, cross_aisle_width_m=2, levels=1
    )
    with pytest.raises(ValueError, match="two-block"):
        solve_two_block(problem_for(one_block, [(0.0, 1.5)]))
    with pytest.raises(ValueError, match="outside"):
        solve_two_block(problem_for(WORKED, [(0.0, 30.0)]))


def test_oracle_agrees_with_trying_every_order() -> None:
    rng = np.random.default_rng(7)
    for _ in range(40):
        layout = random_layout(rng)
        points = random_picks(rng, layout)[:6]
        assert math.isclose(held_karp(layout, points), by_permutations(layout, points), rel_tol=1e-12)


def programme_inputs(problem: RoutingProblem) -> tuple:
    """The arguments of the programme ``two_block._dp`` for a problem, as ``two_block_kernel`` builds them."""
    aisle_x, cross_y, depot_x, aisle, y = problem_arrays(problem)
    on_aisle, gap, status = two_block._depot_place(aisle_x, depot_x)
    assert status == two_block.OK
    _, required, uy, seg_start, bad = two_block._classify(len(aisle_x), cross_y, aisle, y, on_aisle)
    assert bad == -1
    v_cost, h_cost = two_block._step_costs(aisle_x, cross_y, depot_x, uy, seg_start, gap)
    return (*TABLES, v_cost, h_cost, required)


def test_kernel_agrees_with_its_plain_python_run() -> None:
    """The numba DP and the same code run as plain Python give the same optimum and choices."""
    rng = np.random.default_rng(11)
    for _ in range(5):
        layout = random_layout(rng)
        problem = problem_for(layout, random_picks(rng, layout) or [(0.0, layout.bay_y(1))])
        args = programme_inputs(problem)
        fast, slow = two_block._dp(*args), two_block._dp.py_func(*args)
        assert fast[0] == pytest.approx(slow[0]) and np.array_equal(fast[1], slow[1])


def numpy_route_length(layout: LayoutArrays, aisle: np.ndarray, y: np.ndarray, order: np.ndarray) -> float:
    """The length as the route computed it in numpy before its numba kernel (``walk_length``) had to match."""
    if len(order) == 0:
        return 0.0
    x, y = layout.aisle_x[aisle[order]], y[order]
    ends = abs(layout.depot_x - x[0]) + y[0] + abs(layout.depot_x - x[-1]) + y[-1]
    x1, x2, y1, y2 = x[:-1], x[1:], y[:-1], y[1:]
    cy = layout.cross_y[:, None]
    via = np.abs(x1 - x2) + (np.abs(y1 - cy) + np.abs(y2 - cy)).min(axis=0, initial=np.inf)
    return float(ends + np.where(x1 == x2, np.abs(y1 - y2), via).sum())


def test_pairwise_sum_is_numpys_sum_to_the_last_bit() -> None:
    rng = np.random.default_rng(5)
    for n in [*range(300), 1000, 1031, 4096, 10_001]:
        a = rng.random(n) * 10.0 ** rng.integers(-3, 6, n)
        assert pairwise_sum(a) == a.sum(), n


@st.composite
def two_block_problems(draw, max_points: int) -> tuple[Layout, RoutingProblem]:
    """Any two-block layout (depot on an aisle, between two, at either end), points on bays, on cross-aisle lines,
    anywhere on an aisle, with repeats."""
    aisles = draw(st.integers(1, 30))
    pitch = draw(st.sampled_from([1.0, 2.5, 3.0, 5.0]))
    max_x = (aisles - 1) * pitch
    depot = draw(st.one_of(st.sampled_from([0.0, max_x]), st.integers(0, aisles - 1).map(lambda a: a * pitch)))
    if aisles > 1 and draw(st.booleans()):
        depot = draw(st.floats(0, max_x))
    layout = Layout(
        aisles=aisles,
        aisle_pitch_m=pitch,
        blocks=2,
        bays_per_block=draw(st.integers(1, 30)),
        bay_width_m=draw(st.sampled_from([0.5, 1.0, 1.3])),
        cross_aisle_width_m=draw(st.sampled_from([0.0, 1.0, 2.0, 3.5])),
        levels=1,
        depot_x_m=min(depot, max_x),
    )
    top = layout.cross_aisle_y(2)
    y = st.one_of(
        st.integers(1, layout.bays_per_aisle).map(layout.bay_y),
        st.sampled_from(layout.cross_aisle_ys()),
        st.floats(0, top),
    )
    pool = draw(st.lists(st.tuples(st.integers(0, aisles - 1), y), min_size=1, max_size=max_points))
    picks = draw(st.lists(st.sampled_from(pool), max_size=max_points))
    problem = RoutingProblem(
        aisle=np.array([a for a, _ in picks], dtype=np.int64),
        y=np.array([v for _, v in picks], dtype=np.float64),
        layout=LayoutArrays.from_layout(layout),
    )
    return layout, problem


def check_route(layout: Layout, problem: RoutingProblem) -> Route:
    """A valid route: every point once, the picks at one point together, its length its order's layout.md length
    (to the last bit as the numpy expression it replaced, and as the plain-Python reference)."""
    route = solve_two_block(problem)
    assert route.status == "exact" and isinstance(route.length, float)
    assert_visits_all_once(problem, route)
    assert route.length == numpy_route_length(problem.layout, problem.aisle, problem.y, route.order)
    assert math.isclose(route.length, recomputed(layout, problem, route), rel_tol=1e-9, abs_tol=1e-9)
    return route


@settings(max_examples=300, deadline=None)
@given(case=two_block_problems(max_points=8))
def test_a_route_is_valid_and_optimal(case: tuple[Layout, RoutingProblem]) -> None:
    layout, problem = case
    route = check_route(layout, problem)
    optimum = held_karp(layout, points_of(layout, problem))
    assert math.isclose(route.length, optimum, rel_tol=1e-9, abs_tol=1e-9), (layout, problem, route, optimum)


@settings(max_examples=200, deadline=None)
@given(case=two_block_problems(max_points=60))
def test_a_long_route_walks_the_programmes_optimum(case: tuple[Layout, RoutingProblem]) -> None:
    """Beyond the exact oracle: the walk's length is the programme's optimum, and no classic heuristic is shorter."""
    layout, problem = case
    route = check_route(layout, problem)
    if route.length > 0.0:  # (a route of picks at the depot alone is not the programme's)
        best, _ = two_block._dp(*programme_inputs(problem))
        assert math.isclose(route.length, best, rel_tol=1e-9, abs_tol=1e-9)
    assert route.length <= best_heuristic(problem).length + 1e-9
