"""Routes through a warehouse for planners and handhelds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from wms.api.deps import Uow, require
from wms.api.routing import resource_router
from wms.api.schemas.picking import RouteOut, RouteRequest
from wms.auth.keys import Principal
from wms.picking.routes import plan_route

router = resource_router("routes")
Router = Annotated[Principal, Depends(require("planner", "picker"))]


@router.post(
    "/warehouses/{code}/routes", status_code=200, response_model=RouteOut, summary="Plan a route through locations"
)
def post_route(code: Annotated[str, Path(max_length=32)], body: RouteRequest, uow: Uow, _: Router) -> RouteOut:
    """The shortest walk the service finds from the depot through all the storage locations and back:
    `sequence` in walking order and `distance_m` by `layout.md`. Exact (`method: exact`) for layouts of one
    or two blocks and for up to 12 locations; otherwise the best classic heuristic improved by local search.

    It changes nothing, so repeating it is safe. 422 `not_a_storage_location` for a location off the
    layout (`details.locations`); 404 `warehouse_not_found`, `location_not_found`.
    """
    planned = plan_route(uow, code, body.locations)
    return RouteOut(sequence=planned.sequence, distance_m=planned.distance_m, method=planned.method)
