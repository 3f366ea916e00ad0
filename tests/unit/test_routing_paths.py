"""The rest of a route from the picker's position (``paths.route_from``) against a brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from wms.picking.routing.distance import distance_matrix
from wms.picking.routing.held_karp import held_karp_path as path_held_karp
from wms.picking.routing.paths import EXACT_POINTS, path_heuristic, route_from
from wms.picking.routing.problem import LayoutArrays, RoutingProblem

LAYOUTS = {
    "one block": LayoutArrays(np.arange(6) * 3.0, np.array([0.0, 20.0]), 1.5),
    "two blocks": LayoutArrays(np.arange(6) * 3.0, np.array([0.0, 10.0, 20.0]), 7.5),
}


def points(rng: np.random.Generator, layout: LayoutArrays, n: int) -> tuple[np.ndarray, np.ndarray]:
    aisle = rng.integers(0, len(layout.aisle_x), n).astype(np.int64)
    y = np.round(rng.uniform(0.5, layout.cross_y[-1] - 0.5, n) * 2) / 2  # half-metre slots: repeats happen
    return aisle, y


def walk(layout: LayoutArrays, start: tuple[int, float], aisle: np.ndarray, y: np.ndarray) -> float:
    """start → the points in the given order → depot, walked leg by leg."""
    a = np.concatenate([[start[0]], aisle]).astype(np.int64)
    b = np.concatenate([[start[1]], y])
    d = distance_matrix(layout.aisle_x, layout.cross_y, layout.depot_x, a, b)
    legs = [d[k, k + 1] for k in range(len(a) - 1)]
    return float(sum(legs) + d[len(a) - 1, len(a)])


@pytest.mark.parametrize("name", list(LAYOUTS))
@pytest.mark.parametrize("seed", range(8))
def test_exact_path_is_the_shortest_of_every_order(name: str, seed: int) -> None:
    layout, rng = LAYOUTS[name], np.random.default_rng(seed)
    aisle, y = points(rng, layout, int(rng.integers(0, 7)))
    start = (int(rng.integers(0, len(layout.aisle_x))), float(rng.uniform(0.5, 19.5)))
    got = route_from(RoutingProblem(aisle, y, layout), start)
    assert got.status == "exact" and sorted(got.order.tolist()) == list(range(len(aisle)))
    assert got.length == pytest.approx(walk(layout, start, aisle[got.order], y[got.order]), abs=1e-9)
    best = min(walk(layout, start, aisle[list(p)], y[list(p)]) for p in itertools.permutations(range(len(aisle))))
    assert got.length == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_heuristic_path_is_a_valid_walk_never_shorter_than_the_exact_one(seed: int) -> None:
    layout, rng = LAYOUTS["two blocks" if seed % 2 else "one block"], np.random.default_rng(100 + seed)
    aisle, y = points(rng, layout, 12)
    a = np.concatenate([[2], aisle]).astype(np.int64)
    b = np.concatenate([[4.5], y])
    d = distance_matrix(layout.aisle_x, layout.cross_y, layout.depot_x, a, b)
    exact_order, exact = path_held_karp(d, 0)
    order, length = path_heuristic(d, 0)
    assert sorted(order.tolist()) == list(range(1, len(a)))
    assert length == pytest.approx(walk(layout, (2, 4.5), a[order], b[order]), abs=1e-9)
    assert length >= exact - 1e-9
    assert exact == pytest.approx(walk(layout, (2, 4.5), a[exact_order], b[exact_order]), abs=1e-9)


def test_many_points_take_the_heuristic_and_none_go_home_directly() -> None:
    layout, rng = LAYOUTS["one block"], np.random.default_rng(7)
    aisle, y = points(rng, layout, 60)
    got = route_from(RoutingProblem(aisle, y, layout), (5, 19.0))
    assert len({(int(a), float(b)) for a, b in zip(aisle, y, strict=True)}) > EXACT_POINTS
    assert got.status == "heuristic" and sorted(got.order.tolist()) == list(range(60))
    assert got.length == pytest.approx(walk(layout, (5, 19.0), aisle[got.order], y[got.order]), abs=1e-9)
    empty = route_from(RoutingProblem(np.zeros(0, np.int64), np.zeros(0), layout), (5, 19.0))
    assert empty.length == pytest.approx(abs(layout.depot_x - layout.aisle_x[5]) + 19.0)


def test_exact_up_to_the_limit_then_heuristic_never_shorter() -> None:
    layout = LAYOUTS["one block"]
    slots = [(a, y) for a in range(6) for y in (2.0, 9.5, 17.0)]  # 18 distinct points to choose from
    lengths = {}
    for n in (EXACT_POINTS, EXACT_POINTS + 1):
        aisle = np.array([a for a, _ in slots[:n]], dtype=np.int64)
        y = np.array([b for _, b in slots[:n]])
        got = route_from(RoutingProblem(aisle, y, layout), (3, 12.0))
        assert got.status == ("exact" if n == EXACT_POINTS else "heuristic")
        assert got.length == pytest.approx(walk(layout, (3, 12.0), aisle[got.order], y[got.order]), abs=1e-9)
        lengths[n] = got.length
    a = np.concatenate([[3], [s[0] for s in slots[: EXACT_POINTS + 1]]]).astype(np.int64)
    b = np.concatenate([[12.0], [s[1] for s in slots[: EXACT_POINTS + 1]]])
    _, exact = path_held_karp(distance_matrix(layout.aisle_x, layout.cross_y, layout.depot_x, a, b), 0)
    assert lengths[EXACT_POINTS + 1] >= exact - 1e-9
