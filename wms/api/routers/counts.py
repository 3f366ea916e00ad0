"""Cycle counts: start, record the counted quantities, post the variance."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query

from wms.api.deps import RowId, Uow, check_warehouse, require, scoped_warehouse
from wms.api.pagination import PageParams, page_of
from wms.api.routing import resource_router
from wms.api.schemas import CycleCountOut, CycleCountPage
from wms.auth.keys import Principal
from wms.db import UnitOfWork
from wms.inventory import counting, queries
from wms.inventory.commands import RecordCount, StartCount
from wms.inventory.orm import CycleCount

router = resource_router("cycle counts")

Supervisor = Annotated[Principal, Depends(require("planner"))]
Counter = Annotated[Principal, Depends(require("planner", "picker"))]


def _out(uow: UnitOfWork, count: CycleCount) -> dict[str, Any]:
    return uow.run(lambda u: queries.cycle_count(u, count), read_only=True)


def _authorize(uow: UnitOfWork, principal: Principal, count_id: int) -> None:
    check_warehouse(principal, uow.run(lambda u: queries.count_warehouse_code(u, count_id), read_only=True))


@router.post("/cycle-counts", status_code=201, response_model=CycleCountOut)
def post_count(body: StartCount, uow: Uow, principal: Supervisor) -> dict[str, Any]:
    """Ask for a location to be counted (one active count per location)."""
    check_warehouse(principal, body.warehouse)
    return _out(uow, counting.start_count(body, uow, principal.actor))


@router.post("/cycle-counts/{count_id}/result", status_code=201, response_model=CycleCountOut)
def post_count_result(count_id: RowId, body: RecordCount, uow: Uow, principal: Counter) -> dict[str, Any]:
    """Record what is on the shelf; lots not listed count as zero. Shows the variance."""
    _authorize(uow, principal, count_id)
    return _out(uow, counting.record_count(count_id, body, uow, principal.actor))


@router.post("/cycle-counts/{count_id}/post", status_code=201, response_model=CycleCountOut)
def post_count_post(count_id: RowId, uow: Uow, principal: Supervisor) -> dict[str, Any]:
    """Post the variance to the ledger as ``count_correction`` adjustments."""
    _authorize(uow, principal, count_id)
    return _out(uow, counting.post_count(count_id, uow, principal.actor))


@router.post("/cycle-counts/{count_id}/cancel", status_code=201, response_model=CycleCountOut)
def post_count_cancel(count_id: RowId, uow: Uow, principal: Supervisor) -> dict[str, Any]:
    _authorize(uow, principal, count_id)
    return _out(uow, counting.cancel_count(count_id, uow))


@router.get("/cycle-counts", response_model=CycleCountPage)
def list_counts(uow: Uow, principal: Counter, page: Annotated[PageParams, Depends()],
                warehouse: Annotated[str | None, Query(max_length=64)] = None,
                status: Literal["open", "counted", "posted", "cancelled"] | None = None) -> dict[str, Any]:
    wh = scoped_warehouse(principal, warehouse)
    rows = uow.run(lambda u: queries.cycle_counts(u, warehouse=wh, status=status, after_id=page.after_id,
                                                  limit=page.limit), read_only=True)
    return page_of(rows, page.limit)


@router.get("/cycle-counts/{count_id}", response_model=CycleCountOut)
def get_count(count_id: RowId, uow: Uow, principal: Counter) -> dict[str, Any]:
    result = uow.run(lambda u: queries.cycle_count_by_id(u, count_id), read_only=True)
    check_warehouse(principal, result["warehouse"])
    return result
