"""Handheld picking: claim the next pick list, confirm stops by scan, report short picks, deliver the cart."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from pydantic import BaseModel

from wms.api.deps import RowId, Uow, check_warehouse, require, scoped_warehouse
from wms.api.pagination import Page, PageParams, page_of
from wms.api.routing import resource_router
from wms.auth.keys import Principal
from wms.db import UnitOfWork
from wms.picking import handheld
from wms.picking.commands import Claim, Confirm, Deliver, ShortPick
from wms.picking.confirm import confirm
from wms.picking.pick_list_views import pick_list_detail, pick_list_summaries, warehouse_of

router = resource_router("picking")
Picker = Annotated[Principal, Depends(require("picker"))]
FloorLead = Annotated[Principal, Depends(require("picker", "planner"))]


class StopView(BaseModel):
    id: int
    seq: int
    location: str
    sku: str
    lot: str
    expiry_date: date | None
    quantity: int
    order_id: int
    shipment_id: int
    status: str
    picked_quantity: int | None
    reason: str | None
    replaces_stop_id: int | None


class NextStop(StopView):
    then: str | None  # the location after this one, if any


class PickListView(BaseModel):
    id: int
    wave_id: int
    warehouse: str
    status: str
    claimed_by: str | None
    claimed_at: datetime | None
    cart: str | None
    distance_m: float
    orders: list[int]
    stops: list[StopView]
    open_stops: int
    next_stop: NextStop | None


class PickListSummary(BaseModel):
    id: int
    wave_id: int
    warehouse: str
    status: str
    claimed_by: str | None
    claimed_at: datetime | None
    delivered_at: datetime | None
    distance_m: float
    stops: int
    open_stops: int


class PickListSummaryPage(Page[PickListSummary]):
    pass


class ConfirmationResult(PickListView):
    confirmed_stop_id: int
    added_stop_ids: list[int]


def _detail(uow: UnitOfWork, pick_list_id: int) -> dict[str, Any]:
    return uow.run(lambda u: pick_list_detail(u.session, pick_list_id), read_only=True)


def _authorize(uow: UnitOfWork, principal: Principal, pick_list_id: int) -> None:
    check_warehouse(principal, uow.run(lambda u: warehouse_of(u.session, pick_list_id), read_only=True))


@router.post("/pick-lists/claim", response_model=PickListView,
             responses={204: {"description": "no pick list is waiting in this warehouse"}})
def post_claim(body: Claim, uow: Uow, principal: Picker) -> Any:
    """The next pick list for this picker: the one it already holds (unfinished, or a full cart not yet
    delivered), else the most urgent open one."""
    check_warehouse(principal, body.warehouse)
    pick_list_id = handheld.claim(body, uow, principal.actor)
    if pick_list_id is None:
        return Response(status_code=204)
    return _detail(uow, pick_list_id)


@router.get("/pick-lists", response_model=PickListSummaryPage)
def list_pick_lists(uow: Uow, principal: FloorLead, page: Annotated[PageParams, Depends()],
                    warehouse: Annotated[str | None, Query(max_length=64)] = None,
                    status: Literal["open", "claimed", "picked", "delivered", "cancelled"] | None = None
                    ) -> dict[str, Any]:
    """The floor at a glance: every pick list with its holder and the stops still open."""
    wh = scoped_warehouse(principal, warehouse)
    rows = uow.run(lambda u: pick_list_summaries(u.session, warehouse=wh, status=status, after_id=page.after_id,
                                                 limit=page.limit), read_only=True)
    return page_of(rows, page.limit)


@router.get("/pick-lists/{pick_list_id}", response_model=PickListView)
def get_pick_list(pick_list_id: RowId, uow: Uow, principal: FloorLead) -> dict[str, Any]:
    """The pick list with every stop's status and the next stop to walk to."""
    _authorize(uow, principal, pick_list_id)
    return _detail(uow, pick_list_id)


@router.post("/pick-lists/{pick_list_id}/confirmations", status_code=201, response_model=ConfirmationResult)
def post_confirmation(pick_list_id: RowId, body: Confirm, uow: Uow, principal: Picker) -> dict[str, Any]:
    """Confirm a stop with what was scanned. Fewer units than asked is a short pick and needs a `reason`
    (`not_found`, `damaged`, `expired`); the shortfall is re-allocated as new open stops when possible."""
    _authorize(uow, principal, pick_list_id)
    return confirm(pick_list_id, body, uow, principal.actor, supervisor=principal.role == "admin")


@router.post("/pick-lists/{pick_list_id}/short-picks", status_code=201, response_model=ConfirmationResult)
def post_short_pick(pick_list_id: RowId, body: ShortPick, uow: Uow, principal: Picker) -> dict[str, Any]:
    """Nothing of a stop could be picked: the same as a confirmation of zero units, with its reason."""
    _authorize(uow, principal, pick_list_id)
    return confirm(pick_list_id, body, uow, principal.actor, supervisor=principal.role == "admin")


@router.post("/pick-lists/{pick_list_id}/deliver", response_model=PickListView)
def post_deliver(pick_list_id: RowId, uow: Uow, principal: Picker, body: Deliver | None = None) -> dict[str, Any]:
    """The cart of a fully confirmed pick list reaches the packing station (default `PACKING`)."""
    _authorize(uow, principal, pick_list_id)
    handheld.deliver(pick_list_id, body or Deliver(), uow, principal.actor, supervisor=principal.role == "admin")
    return _detail(uow, pick_list_id)


@router.post("/pick-lists/{pick_list_id}/release", response_model=PickListView)
def post_release(pick_list_id: RowId, uow: Uow, principal: FloorLead) -> dict[str, Any]:
    """Hand a claimed pick list back to the queue (the picker's own, or any for a planner)."""
    _authorize(uow, principal, pick_list_id)
    handheld.release(pick_list_id, uow, principal.actor, supervisor=principal.role != "picker")
    return _detail(uow, pick_list_id)
