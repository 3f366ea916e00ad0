"""Random layouts and pick lists for the routing tests, and the plain-Python recomputation."""

from __future__ import annotations

import numpy as np

from tests.unit.routing_reference import route_length
from wms.inventory.layout import Layout
from wms.picking.routing.problem import LayoutArrays, Route, RoutingProblem

WORKED = Layout(
    aisles=3, aisle_pitch_m=3, blocks=2, bays_per_block=10, bay_width_m=1, cross_aisle_width_m=2, levels=1, depot_x_m=0
)


def random_layout(rng: np.random.Generator, blocks: int = 1, max_aisles: int = 12) -> Layout:
    """Depot at the left end, the right end, on an aisle, strictly between two aisles, or anywhere."""
    aisles = int(rng.integers(1, max_aisles + 1))
    pitch = float(rng.choice([1.0, 2.5, 3.0, 4.2]))
    max_x = (aisles - 1) * pitch
    between = (int(rng.integers(max(aisles - 1, 1))) + float(rng.uniform(0.05, 0.95))) * pitch
    depot = [0.0, max_x, int(rng.integers(aisles)) * pitch, between, float(rng.uniform(0, max_x))]
    return Layout(
        aisles=aisles,
        aisle_pitch_m=pitch,
        blocks=blocks,
        bays_per_block=int(rng.integers(1, 16)),
        bay_width_m=float(rng.choice([0.5, 1.0, 1.3])),
        cross_aisle_width_m=float(rng.choice([0.0, 1.0, 2.0, 3.5])),
        levels=1,
        depot_x_m=min(depot[int(rng.integers(5))], max_x),
    )


def random_problem(rng: np.random.Generator, layout: Layout, max_points: int = 10) -> RoutingProblem:
    """Spread out, crowded into one or two aisles, or drawn with repeats from a small pool."""
    n = int(rng.integers(1, max_points + 1))
    aisles = np.arange(layout.aisles)
    mode = int(rng.integers(3))
    if mode == 1:
        aisles = rng.choice(aisles, size=min(len(aisles), int(rng.integers(1, 3))), replace=False)
    pool = [
        (int(rng.choice(aisles)), int(rng.integers(1, layout.bays_per_aisle + 1)))
        for _ in range(n if mode != 2 else max(1, n // 2))
    ]
    picks = pool if mode != 2 else [pool[int(rng.integers(len(pool)))] for _ in range(n)]
    return problem_of(layout, [a for a, _ in picks], [layout.bay_y(b) for _, b in picks])


def problem_of(layout: Layout, aisle: list[int], y: list[float]) -> RoutingProblem:
    return RoutingProblem(
        aisle=np.array(aisle, dtype=np.int64), y=np.array(y, dtype=np.float64), layout=LayoutArrays.from_layout(layout)
    )


def points_of(layout: Layout, problem: RoutingProblem) -> list[tuple[float, float]]:
    return [(layout.aisle_x(int(a) + 1), float(y)) for a, y in zip(problem.aisle, problem.y, strict=True)]


def recomputed(layout: Layout, problem: RoutingProblem, route: Route) -> float:
    """The plain-Python layout.md length of the route's order."""
    points = points_of(layout, problem)
    return route_length(layout, [points[i] for i in route.order])


def assert_visits_all_once(problem: RoutingProblem, route: Route) -> None:
    """A permutation of the points, picks at one point one after the other."""
    order = route.order.tolist()
    assert sorted(order) == list(range(len(problem.aisle)))
    keys = [(int(problem.aisle[i]), float(problem.y[i])) for i in order]
    runs = [k for i, k in enumerate(keys) if i == 0 or keys[i - 1] != k]
    assert len(runs) == len(set(keys)), "picks at one point are not consecutive"
