"""The classic S-shape (traversal) walk: lengths by hand, a walk on the centre lines, never below the optimum."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.routing_cases import WORKED, assert_visits_all_once, problem_of
from wms.inventory.layout import Layout
from wms.picking.routing import router
from wms.picking.routing.distance import problem_arrays
from wms.picking.routing.held_karp import held_karp
from wms.picking.routing.heuristics import HEURISTICS, s_shape, traversal
from wms.picking.routing.multi_block import best_heuristic
from wms.picking.routing.problem import Route, RoutingProblem
from wms.picking.routing.single_block import solve_single_block
from wms.picking.routing.traversal import traversal_length, traversal_walk
from wms.picking.routing.two_block import solve_two_block

ONE_BLOCK = Layout(
    aisles=4, aisle_pitch_m=3, blocks=1, bays_per_block=10, bay_width_m=1, cross_aisle_width_m=2, levels=1, depot_x_m=0
)  # aisles at x = 0, 3, 6, 9; cross aisles at y = 0 and 12; bay b at y = b + 0.5


def walk_of(problem: RoutingProblem) -> list[tuple[float, float]]:
    wx, wy = traversal_walk(*problem_arrays(problem))
    return list(zip(wx.tolist(), wy.tolist(), strict=True))


def passes(walk: list[tuple[float, float]], x: float, y: float) -> list[float]:
    """Distances along the walk at which it passes the point (x, y)."""
    found, along = [], 0.0
    for (x0, y0), (x1, y1) in zip(walk, walk[1:], strict=False):
        if x0 == x1 == x and min(y0, y1) <= y <= max(y0, y1):
            found.append(along + abs(y - y0))
        elif y0 == y1 == y and min(x0, x1) <= x <= max(x0, x1):
            found.append(along + abs(x - x0))
        along += abs(x1 - x0) + abs(y1 - y0)
    return found


def check_walk(problem: RoutingProblem, route: Route) -> list[tuple[float, float]]:
    """From the depot back to it on the centre lines, through the stops in the route's order, as long as the route."""
    lay = problem.layout
    walk = walk_of(problem)
    assert walk[0] == walk[-1] == (lay.depot_x, 0.0)
    for (x0, y0), (x1, y1) in zip(walk, walk[1:], strict=False):
        if y0 == y1:
            assert y0 in lay.cross_y.tolist(), "moves across the aisles only on a cross aisle"
        else:
            assert x0 == x1 and x0 in lay.aisle_x.tolist(), "moves along the aisles only on an aisle"
    length = sum(abs(x1 - x0) + abs(y1 - y0) for (x0, y0), (x1, y1) in zip(walk, walk[1:], strict=False))
    assert route.length == pytest.approx(length, rel=1e-12, abs=1e-12)
    at = 0.0
    for i in route.order.tolist():
        later = [t for t in passes(walk, float(lay.aisle_x[problem.aisle[i]]), float(problem.y[i])) if t >= at]
        assert later, f"the walk does not pass stop {i} after the previous ones"
        at = min(later)
    return walk


def length(layout: Layout, aisle: list[int], y: list[float]) -> float:
    problem = problem_of(layout, aisle, y)
    route = traversal(problem)
    assert_visits_all_once(problem, route)
    assert route.order.tolist() == s_shape(problem).order.tolist()
    check_walk(problem, route)
    return route.length


def test_one_aisle_is_a_return_trip() -> None:
    assert length(ONE_BLOCK, [2], [4.5]) == 6 + 2 * 4.5 + 6
    assert length(ONE_BLOCK, [2, 2], [8.5, 4.5]) == 6 + 2 * 8.5 + 6  # up to the farthest pick and back


def test_two_aisles_are_both_traversed() -> None:
    # up aisle 1 to the back (12), along the back to aisle 3 (6), down it (12), back to the depot (6);
    # the shortest walks between the stops would stay near the front: 24
    assert length(ONE_BLOCK, [0, 2], [2.5, 3.5]) == 12 + 6 + 12 + 6
    assert s_shape(problem_of(ONE_BLOCK, [0, 2], [2.5, 3.5])).length == 24.0


def test_odd_number_of_aisles_ends_with_a_return_trip() -> None:
    # up aisle 1 (12), along the back to aisle 2 (3), down it (12), along the front to aisle 4 (6),
    # into aisle 4 to 7.5 and back (15), to the depot (9)
    assert length(ONE_BLOCK, [0, 1, 3], [5.5, 1.5, 7.5]) == 12 + 3 + 12 + 6 + 15 + 9
    # four pick aisles: all traversed, the last one down to the front
    assert length(ONE_BLOCK, [0, 1, 2, 3], [5.5, 1.5, 9.5, 7.5]) == 4 * 12 + 9 + 9


def test_depot_in_the_middle_starts_at_the_nearer_end() -> None:
    middle = replace(ONE_BLOCK, depot_x_m=7.5)
    problem = problem_of(middle, [0, 1, 3], [4.5, 8.5, 2.5])
    # to aisle 4 (1.5), up (12), along the back to aisle 2 (6), down (12), along the front to aisle 1 (3),
    # into it to 4.5 and back (9), to the depot (7.5)
    assert length(middle, [0, 1, 3], [4.5, 8.5, 2.5]) == 1.5 + 12 + 6 + 12 + 3 + 9 + 7.5
    assert traversal(problem).order.tolist() == [2, 1, 0]
    # equally far from both ends: from the left, as s_shape
    centre = replace(ONE_BLOCK, depot_x_m=4.5)
    assert length(centre, [0, 3], [2.5, 2.5]) == 4.5 + 12 + 9 + 12 + 4.5
    assert traversal(problem_of(centre, [3, 0], [2.5, 2.5])).order.tolist() == [1, 0]


def test_two_blocks_by_hand() -> None:
    # WORKED: aisles at x = 0, 3, 6; cross aisles at y = 0, 12, 24. Up aisle 1 to the back block (12, picking
    # 1.5), along y = 12 to aisle 2 (3), up through the back block (12), along the back to aisle 3 (3), down it
    # to y = 12 (12); the front block from its back, nearer end aisle 3: down it (12), along the front to
    # aisle 2 (3), a return trip to 8.5 (17) since the picker is at the front, to the depot (3).
    problem = problem_of(WORKED, [0, 1, 2, 2, 1], [1.5, 20.5, 14.5, 6.5, 8.5])
    assert length(WORKED, [0, 1, 2, 2, 1], [1.5, 20.5, 14.5, 6.5, 8.5]) == 12 + 3 + 12 + 3 + 12 + 12 + 3 + 17 + 3
    assert walk_of(problem) == [
        (0, 0), (0, 0), (0, 12), (3, 12), (3, 24), (6, 24), (6, 12), (6, 12),
        (6, 0), (3, 0), (3, 8.5), (3, 0), (3, 0), (0, 0),
    ]  # fmt: skip
    # one sub-aisle in the farthest block: a return trip from its front, then the front block from its back
    # up aisle 1 (12), along y = 12 to aisle 3 (6), to 16.5 and back (9), along y = 12 to aisle 2 (3),
    # down it (12), to the depot (3)
    assert length(WORKED, [2, 0, 1], [16.5, 3.5, 5.5]) == 12 + 6 + 9 + 3 + 12 + 3


def test_a_block_without_picks_is_crossed_down_the_current_aisle() -> None:
    three = replace(WORKED, blocks=3)  # cross aisles at 0, 12, 24, 36
    # up aisle 1 to y = 24 (24, picking 3.5), along y = 24 to aisle 2 (3), up it (12), along the back to aisle 3
    # (3), down to y = 24 (12), down aisle 3 through the empty middle block (12), along y = 12 to aisle 2 (3),
    # down it (12), to the depot (3)
    assert length(three, [0, 2, 1, 1], [3.5, 30.5, 26.5, 5.5]) == 24 + 3 + 12 + 3 + 12 + 12 + 3 + 12 + 3
    walk = walk_of(problem_of(three, [0, 2, 1, 1], [3.5, 30.5, 26.5, 5.5]))
    assert [(6, 24), (6, 12)] in [walk[i : i + 2] for i in range(len(walk) - 1)]


def test_empty_and_duplicate_pick_lists() -> None:
    empty = problem_of(ONE_BLOCK, [], [])
    assert traversal(empty).length == 0.0 and traversal(empty).order.tolist() == []
    assert traversal_length(*problem_arrays(empty)) == 0.0
    problem = problem_of(ONE_BLOCK, [1, 2, 1, 2], [4.5, 4.5, 4.5, 4.5])
    route = traversal(problem)
    assert route.order.tolist() == [0, 2, 1, 3] and route.length == 3 + 12 + 3 + 12 + 6


def test_registered_but_never_the_best_heuristic() -> None:
    problem = problem_of(ONE_BLOCK, [0, 2], [2.5, 3.5])
    assert HEURISTICS["traversal"] is traversal
    assert router.route(problem, "traversal").length == 36.0
    assert best_heuristic(problem).length == 24.0


def exact(problem: RoutingProblem) -> float:
    blocks = problem.layout.blocks
    if blocks == 1:
        return solve_single_block(problem).length
    return (solve_two_block(problem) if blocks == 2 else held_karp(problem)).length


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    aisles=st.integers(1, 7),
    blocks=st.integers(1, 3),
    bays=st.integers(1, 6),
    cross=st.sampled_from([0.0, 1.0, 2.5]),
    depot_slot=st.integers(0, 12),
)
def test_never_shorter_than_the_optimum_nor_than_s_shape(
    data: st.DataObject, aisles: int, blocks: int, bays: int, cross: float, depot_slot: int
) -> None:
    """Also with picks exactly on a cross aisle and several picks at one point."""
    layout = Layout(
        aisles=aisles,
        aisle_pitch_m=2.0,
        blocks=blocks,
        bays_per_block=bays,
        bay_width_m=1.0,
        cross_aisle_width_m=cross,
        levels=1,
        depot_x_m=(aisles - 1) * 2.0 * depot_slot / 12,
    )
    top = layout.cross_aisle_y(blocks)
    bay_y = st.integers(1, layout.bays_per_aisle).map(layout.bay_y)
    ys = st.one_of(bay_y, st.sampled_from([layout.cross_aisle_y(k) for k in range(blocks + 1)]), st.floats(0, top))
    picks = data.draw(st.lists(st.tuples(st.integers(0, aisles - 1), ys), min_size=1, max_size=9))
    problem = problem_of(layout, [a for a, _ in picks], [y for _, y in picks])
    route = traversal(problem)
    assert_visits_all_once(problem, route)
    check_walk(problem, route)
    shape = s_shape(problem)
    assert route.order.tolist() == shape.order.tolist()
    assert route.length >= shape.length - 1e-9
    assert route.length >= exact(problem) - 1e-9
