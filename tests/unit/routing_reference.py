"""Walking distances of ``spec/layout.md`` in plain Python.

The reference every faster kernel is tested against, and what the tests use
to recompute a route length from the layout alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from wms.inventory.layout import Layout

Point = tuple[float, float]  # pick point (x_m, y_m); x identifies the aisle


def distance(layout: Layout, p: Point, q: Point) -> float:
    """Shortest walk between two pick points along aisle and cross-aisle centre lines."""
    (x1, y1), (x2, y2) = p, q
    if x1 == x2:
        return abs(y1 - y2)
    dx = abs(x1 - x2)
    return min(abs(y1 - yk) + dx + abs(y2 - yk) for yk in layout.cross_aisle_ys())


def from_depot(layout: Layout, p: Point) -> float:
    return abs(layout.depot_x_m - p[0]) + p[1]


def route_length(layout: Layout, points: Sequence[Point]) -> float:
    """Depot → points in the given order → depot."""
    if not points:
        return 0.0
    total = from_depot(layout, points[0]) + from_depot(layout, points[-1])
    for a, b in zip(points, points[1:], strict=False):
        total += distance(layout, a, b)
    return total
