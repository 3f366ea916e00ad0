"""Cycle counts: start, record the counted quantities, post the variance."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends

from wms.api.deps import RowId, Uow, WarehouseFilter, require
from wms.api.pagination import PageQuery, page_of
from wms.api.routing import resource_router
from wms.api.schemas.inventory import CycleCountOut, CycleCountPage
from wms.auth.keys import Principal
from wms.inventory import counting
from wms.inventory.commands import RecordCount, StartCount
from wms.views import counts as count_views

router = resource_router("cycle counts")

Supervisor = Annotated[Principal, Depends(require("planner"))]
Counter = Annotated[Principal, Depends(require("planner", "picker"))]


@router.post("/cycle-counts", status_code=201, response_model=CycleCountOut, summary="Start a cycle count")
def post_count(body: StartCount, uow: Uow, principal: Supervisor) -> dict[str, Any]:
    """Asks for a location to be counted (`open`). The count is blind: the expected quantities are shown
    only once it is recorded. A location has one active count at a time: another is a 409 `count_in_progress`
    (its id in `details.count_id`). 404 `warehouse_not_found`, `location_not_found`."""
    count = counting.start_count(body, uow, principal.actor)
    return uow.run(lambda u: count_views.cycle_count(u, count), read_only=True)


@router.post("/cycle-counts/{count_id}/result", status_code=201, response_model=CycleCountOut, summary="Record a count")
def post_count_result(count_id: RowId, body: RecordCount, uow: Uow, principal: Counter) -> dict[str, Any]:
    """Records what is on the shelf, per SKU and lot; lots not listed count as zero. The count becomes
    `counted` and shows `expected`, `counted` and `variance` per lot. Recording again replaces the result.
    409 `count_not_active` once posted or cancelled; 422 `duplicate_count_line` for a lot listed twice."""
    count = counting.record_count(count_id, body, uow, principal.actor)
    return uow.run(lambda u: count_views.cycle_count(u, count), read_only=True)


@router.post(
    "/cycle-counts/{count_id}/post", status_code=201, response_model=CycleCountOut, summary="Post a count's variance"
)
def post_count_post(count_id: RowId, uow: Uow, principal: Supervisor) -> dict[str, Any]:
    """Posts the variance of a `counted` count to the ledger as `count_correction` rows; the count is
    `posted` and a location held out of allocation by it is released. 409 `count_not_counted` (also when
    posted already), 409 `count_stale` when stock at the location changed after counting: record it again."""
    count = counting.post_count(count_id, uow, principal.actor)
    return uow.run(lambda u: count_views.cycle_count(u, count), read_only=True)


@router.post(
    "/cycle-counts/{count_id}/cancel", status_code=201, response_model=CycleCountOut, summary="Cancel a cycle count"
)
def post_count_cancel(count_id: RowId, uow: Uow, _: Supervisor) -> dict[str, Any]:
    """Cancels an `open` or `counted` count; nothing is posted. 409 `count_not_active` once posted or
    cancelled."""
    count = counting.cancel_count(count_id, uow)
    return uow.run(lambda u: count_views.cycle_count(u, count), read_only=True)


@router.get("/cycle-counts", response_model=CycleCountPage, summary="List cycle counts")
def list_counts(
    uow: Uow,
    _: Counter,
    page: PageQuery,
    warehouse: WarehouseFilter,
    status: Literal["open", "counted", "posted", "cancelled"] | None = None,
) -> dict[str, Any]:
    """Cycle counts, oldest first, by warehouse and status: `open` ones are the counting work to do (started
    by a planner, or by a short pick at the location)."""
    rows = uow.run(
        lambda u: count_views.cycle_counts(
            u, warehouse=warehouse, status=status, after_id=page.after_id, limit=page.limit
        ),
        read_only=True,
    )
    return page_of(rows, page.limit)


@router.get("/cycle-counts/{count_id}", response_model=CycleCountOut, summary="Get a cycle count")
def get_count(count_id: RowId, uow: Uow, _: Counter) -> dict[str, Any]:
    """The count with its lines once counted. 404 `count_not_found`."""
    return uow.run(lambda u: count_views.cycle_count_by_id(u, count_id), read_only=True)
