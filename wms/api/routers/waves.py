"""Waves for dispatch planners: release the most urgent orders into pick lists, one cart trip each."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response

from wms.api.deps import AppSettings, RowId, Uow, WarehouseFilter, require
from wms.api.idempotency import RESUMABLE_ROUTE, current_request_ref
from wms.api.pagination import PageQuery, page_of
from wms.api.routing import resource_router
from wms.api.schemas.picking import WaveOut, WaveSummaryPage
from wms.auth.keys import Principal
from wms.fields import Timestamp
from wms.picking.waves import StartWave, plan_wave
from wms.views.waves import STATUSES, WaveFilter, wave_detail, wave_summaries

router = resource_router("waves")
Planner = Annotated[Principal, Depends(require("planner"))]


Since = Annotated[
    Timestamp | None,
    Query(description="RFC 3339 time with offset, e.g. 2026-11-20T00:00:00Z (URL-encode a `+` offset as `%2B`)"),
]


@router.post(
    "/waves",
    openapi_extra=RESUMABLE_ROUTE,
    status_code=201,
    response_model=WaveOut,
    summary="Plan a wave",
    responses={202: {"model": WaveOut, "description": "planning in the background; poll GET /v1/waves/{id}"}},
)
def post_wave(
    body: StartWave, uow: Uow, settings: AppSettings, principal: Planner, request: Request, response: Response
) -> dict[str, Any]:
    """Releases the most urgent allocated orders of the warehouse (earliest ship-by, then first come, then
    fewer lines; up to `max_orders`) into a wave and plans its pick lists: one cart trip each within the
    `cart` limits, stops in walking order, `distance_m` by `layout.md`. An order is split across pick lists
    only when it alone exceeds a cart; `group_by_carrier` keeps each pick list to one carrier;
    `deadline_window_min` keeps each to one deadline window (whole minutes after the wave's earliest ship-by),
    so a cart due at an early cut-off is not held back by orders due later. A customer's
    merged orders go together while all are allocated; one still waiting (short of stock, unconfirmed,
    unpaid) does not hold the others back: it moves to a shipment of its own, with what is reserved for it.

    Up to `WMS_WAVE_SYNC_MAX_ORDERS` orders the answer is 201 with the planned wave; a larger wave answers
    202 with `status: planning`: poll `GET /v1/waves/{id}` until it is `planned` (or `failed`, with `error`).
    Each call releases the orders still waiting, so a repeat plans the next wave: retry with the same
    `Idempotency-Key`. 409 `nothing_to_plan` when no order is ready; 409 `wave_conflict` when another
    planner took the same orders meanwhile (start again).
    """
    wave_id, planned = plan_wave(
        body,
        uow,
        principal.actor,
        queue=request.app.state.dispatcher,
        sync_max_orders=settings.wave_sync_max_orders,
        request_ref=current_request_ref(),
    )
    if not planned:
        response.status_code = 202
    return uow.run(lambda u: wave_detail(u.session, wave_id), read_only=True)


@router.get("/waves/{wave_id}", response_model=WaveOut, summary="Get a wave")
def get_wave(wave_id: RowId, uow: Uow, _: Planner) -> dict[str, Any]:
    """The wave with its orders and pick lists, each stop with its status; `planning` while a worker plans
    it. 404 `wave_not_found`."""
    return uow.run(lambda u: wave_detail(u.session, wave_id), read_only=True)


@router.get("/waves", response_model=WaveSummaryPage, summary="List waves")
def list_waves(
    uow: Uow,
    _: Planner,
    page: PageQuery,
    warehouse: WarehouseFilter,
    status: Literal[STATUSES] | None = None,  # type: ignore[valid-type]
    created_from: Since = None,
    created_to: Since = None,
) -> dict[str, Any]:
    """Waves newest first, with their order and pick list counts but not the pick lists (`GET /v1/waves/{id}`
    has them), by `status`, `warehouse`, and created at or after `created_from` and before `created_to`. A
    warehouse-limited token sees its warehouse's only; an empty or reversed range finds none."""
    f = WaveFilter(warehouse, status, created_from, created_to)
    rows = uow.run(lambda u: wave_summaries(u.session, f, before_id=page.before_id, limit=page.limit), read_only=True)
    return page_of(rows, page.limit)
