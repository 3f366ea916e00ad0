"""Use case: the shortest route through a set of locations of a warehouse."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wms.db import UnitOfWork
from wms.errors import InvalidInput
from wms.inventory import repository as repo
from wms.inventory.layout import Layout
from wms.picking.routing.problem import LayoutArrays, RoutingProblem
from wms.picking.routing.router import route


@dataclass(frozen=True)
class PlannedRoute:
    sequence: list[str]
    distance_m: float
    method: str


def plan_route(uow: UnitOfWork, warehouse: str, codes: list[str]) -> PlannedRoute:
    """Depot → every location (in the best order found) → depot, in layout.md metres."""

    def load(u: UnitOfWork) -> tuple[Layout, list[tuple[int, float]]]:
        wh = repo.warehouse_by_code(u.session, warehouse)
        found = repo.locations_by_code(u.session, wh, codes)
        odd = sorted(c for c, loc in found.items() if loc.aisle is None)
        if odd:
            raise InvalidInput(
                f"only storage locations lie on a route: {', '.join(odd)}",
                code="not_a_storage_location",
                details={"locations": odd},
            )
        return Layout(**wh.layout), [(found[c].aisle - 1, found[c].y_m) for c in codes]  # type: ignore[operator]

    layout, points = uow.run(load, read_only=True)
    problem = RoutingProblem(
        aisle=np.array([a for a, _ in points], dtype=np.int64),
        y=np.array([y for _, y in points], dtype=np.float64),
        layout=LayoutArrays.from_layout(layout),
    )
    result = route(problem)
    return PlannedRoute([codes[i] for i in result.order], round(float(result.length), 6), result.status)
