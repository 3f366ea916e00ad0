"""The numba distance kernels against the plain-Python reference of layout.md."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import routing_reference as reference
from tests.unit.routing_cases import WORKED, points_of, problem_of
from wms.inventory.layout import Layout
from wms.picking.routing.distance import (
    depot_distance,
    distance_matrix,
    order_length,
    point_distance,
    problem_arrays,
    problem_matrix,
    route_length,
)


@pytest.fixture(scope="module", autouse=True)
def warm_up() -> None:
    """Compile (or load) the kernels before any assertion."""
    problem = problem_of(WORKED, [0, 2], [1.5, 5.5])
    problem_matrix(problem)
    order_length(problem, np.array([0, 1]))


def test_worked_example() -> None:
    aisle_x, cross_y, depot_x, _, _ = problem_arrays(problem_of(WORKED, [], []))
    assert list(cross_y) == [0.0, 12.0, 24.0]
    assert depot_distance(aisle_x, depot_x, 2, 5.5) == 11.5
    assert point_distance(aisle_x, cross_y, 0, 13.5, 2, 5.5) == 14.0
    assert point_distance(aisle_x, cross_y, 0, 13.5, 0, 1.5) == 12.0
    problem = problem_of(WORKED, [2, 0], [5.5, 13.5])
    assert order_length(problem, np.array([0, 1])) == 39.0
    assert order_length(problem, np.array([1, 0])) == 39.0
    assert problem_matrix(problem).tolist() == [[0.0, 14.0, 11.5], [14.0, 0.0, 13.5], [11.5, 13.5, 0.0]]


def test_empty_route_has_length_zero() -> None:
    assert order_length(problem_of(WORKED, [], []), np.zeros(0, dtype=np.int64)) == 0.0


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    aisles = draw(st.integers(1, 12))
    pitch = draw(st.sampled_from([1.0, 2.5, 3.0, 4.2]))
    return Layout(
        aisles=aisles,
        aisle_pitch_m=pitch,
        blocks=draw(st.integers(1, 4)),
        bays_per_block=draw(st.integers(1, 15)),
        bay_width_m=draw(st.sampled_from([0.5, 1.0, 1.3])),
        cross_aisle_width_m=draw(st.sampled_from([0.0, 1.0, 2.0, 3.5])),
        levels=1,
        depot_x_m=draw(st.floats(0, (aisles - 1) * pitch)),
    )


@st.composite
def pick_lists(draw: st.DrawFn) -> tuple[Layout, list[int], list[float]]:
    layout = draw(layouts())
    picks = draw(
        st.lists(
            st.tuples(st.integers(0, layout.aisles - 1), st.integers(1, layout.bays_per_aisle)), min_size=1, max_size=12
        )
    )
    return layout, [a for a, _ in picks], [layout.bay_y(b) for _, b in picks]


@settings(max_examples=300, deadline=None)
@given(case=pick_lists())
def test_kernels_equal_the_reference(case: tuple[Layout, list[int], list[float]]) -> None:
    layout, aisle, y = case
    problem = problem_of(layout, aisle, y)
    points = points_of(layout, problem)
    d = problem_matrix(problem)
    n = len(points)
    for i, p in enumerate(points):
        assert d[i, n] == d[n, i] == reference.from_depot(layout, p)
        for j, q in enumerate(points):  # the reference sums a-b and b-a in different orders
            assert d[i, j] == pytest.approx(reference.distance(layout, p, q), rel=1e-12, abs=1e-12)
    order = np.random.default_rng(n).permutation(n)
    assert order_length(problem, order) == reference.route_length(layout, [points[i] for i in order])


@settings(max_examples=100, deadline=None)
@given(layout=layouts(), data=st.data())
def test_point_distance_anywhere_on_the_aisles(layout: Layout, data: st.DataObject) -> None:
    """Also for points on cross-aisle centre lines and between bays."""
    top = layout.cross_aisle_y(layout.blocks)
    ys = st.one_of(st.floats(0, top), st.sampled_from(layout.cross_aisle_ys()))
    a1, a2 = data.draw(st.integers(0, layout.aisles - 1)), data.draw(st.integers(0, layout.aisles - 1))
    y1, y2 = data.draw(ys), data.draw(ys)
    aisle_x, cross_y, depot_x, _, _ = problem_arrays(problem_of(layout, [], []))
    p, q = (layout.aisle_x(a1 + 1), y1), (layout.aisle_x(a2 + 1), y2)
    assert point_distance(aisle_x, cross_y, a1, y1, a2, y2) == reference.distance(layout, p, q)
    assert depot_distance(aisle_x, depot_x, a1, y1) == reference.from_depot(layout, p)


def test_matrix_and_route_kernels_take_plain_arrays() -> None:
    aisle_x, cross_y = np.array([0.0, 3.0, 6.0]), np.array([0.0, 12.0, 24.0])
    aisle, y = np.array([2, 0], dtype=np.int64), np.array([5.5, 13.5])
    d = distance_matrix(aisle_x, cross_y, 0.0, aisle, y)
    assert d.shape == (3, 3) and d[0, 1] == 14.0 and d[2, 0] == 11.5
    assert route_length(aisle_x, cross_y, 0.0, aisle, y, np.array([0, 1], dtype=np.int64)) == 39.0
