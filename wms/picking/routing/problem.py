"""The routing core's plain-data interface: a layout as arrays, a problem, a route.

Pure: numpy only. Every routing algorithm takes a ``RoutingProblem`` and returns a
``Route`` whose ``order`` visits the problem's points; ``length`` is the walk
of ``spec/layout.md`` depot → points in that order → depot (the ``traversal``
heuristic alone gives the longer length of the classic S-shape walk through
them in that order, see :mod:`wms.picking.routing.traversal`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wms.inventory.layout import Layout


@dataclass(frozen=True)
class LayoutArrays:
    aisle_x: np.ndarray  # (A,) float64, centre line x of aisle a (0-based)
    cross_y: np.ndarray  # (blocks + 1,) float64, cross-aisle centre lines, front (0) first
    depot_x: float

    @property
    def n_aisles(self) -> int:
        return len(self.aisle_x)

    @property
    def blocks(self) -> int:
        return len(self.cross_y) - 1

    @classmethod
    def from_layout(cls, layout: Layout) -> LayoutArrays:
        return cls(
            aisle_x=np.array([layout.aisle_x(a) for a in range(1, layout.aisles + 1)], dtype=np.float64),
            cross_y=np.array(layout.cross_aisle_ys(), dtype=np.float64),
            depot_x=float(layout.depot_x_m),
        )


@dataclass(frozen=True)
class RoutingProblem:
    aisle: np.ndarray  # (n,) int64, 0-based aisle of each pick point
    y: np.ndarray  # (n,) float64, pick point y
    layout: LayoutArrays


@dataclass(frozen=True)
class Route:
    order: np.ndarray  # (n,) int64, indices into the problem's points, in walking order
    length: float  # metres, depot → points → depot
    status: str = "exact"  # exact, heuristic, improved
