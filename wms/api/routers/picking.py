"""Handheld picking: claim the next pick list, confirm stops by scan, report short picks, deliver the cart."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Response

from wms.api.deps import RowId, Uow, WarehouseFilter, require
from wms.api.idempotency import ATOMIC_ROUTE, stored_answer
from wms.api.pagination import PageQuery, page_of
from wms.api.routing import resource_router
from wms.api.schemas.picking import ConfirmationResult, PickListSummaryPage, PickListView
from wms.auth.keys import Principal
from wms.db import UnitOfWork
from wms.picking import handheld
from wms.picking.commands import Claim, Confirm, Deliver, ShortPick
from wms.picking.confirm import confirm
from wms.picking.pick_list_views import pick_list_detail
from wms.views.pick_lists import pick_list_summaries

router = resource_router("picking")
Picker = Annotated[Principal, Depends(require("picker"))]
FloorLead = Annotated[Principal, Depends(require("picker", "planner"))]


def _detail(uow: UnitOfWork, pick_list_id: int) -> dict[str, Any]:
    return uow.run(lambda u: pick_list_detail(u.session, pick_list_id), read_only=True)


@router.post(
    "/pick-lists/claim",
    response_model=PickListView,
    summary="Claim the next pick list",
    responses={204: {"description": "no pick list is waiting in this warehouse"}},
)
def post_claim(body: Claim, uow: Uow, principal: Picker) -> Any:
    """The next pick list for the calling picker: the one it already holds (unfinished, or a full cart not
    yet delivered), else a full cart someone released, else the most urgent open one (oldest wave first),
    never one another picker holds. A newly claimed list gets a cart location `CART-{id}`. 204 when nothing
    is waiting.

    Claiming again returns the same list until it is delivered or released, so a repeat is safe.
    """
    pick_list_id = handheld.claim(body, uow, principal.actor)
    if pick_list_id is None:
        return Response(status_code=204)
    return _detail(uow, pick_list_id)


@router.get("/pick-lists", response_model=PickListSummaryPage, summary="List pick lists")
def list_pick_lists(
    uow: Uow,
    _: FloorLead,
    page: PageQuery,
    warehouse: WarehouseFilter,
    status: Literal["open", "claimed", "picked", "delivered", "cancelled"] | None = None,
) -> dict[str, Any]:
    """The floor at a glance: every pick list with its status (`open`, `claimed`, `picked`, `delivered`,
    `cancelled`), its holder and the stops still open."""
    rows = uow.run(
        lambda u: pick_list_summaries(
            u.session, warehouse=warehouse, status=status, after_id=page.after_id, limit=page.limit
        ),
        read_only=True,
    )
    return page_of(rows, page.limit)


@router.get("/pick-lists/{pick_list_id}", response_model=PickListView, summary="Get a pick list")
def get_pick_list(pick_list_id: RowId, uow: Uow, _: FloorLead) -> dict[str, Any]:
    """The pick list with its stops in walking order, each `open`, `picked`, `short` or `cancelled`, the
    `next_stop` to walk to and the location after it (`then`). 404 `pick_list_not_found`."""
    return _detail(uow, pick_list_id)


@router.post(
    "/pick-lists/{pick_list_id}/confirmations",
    status_code=201,
    response_model=ConfirmationResult,
    summary="Confirm a pick by scan",
    openapi_extra=ATOMIC_ROUTE,
)
def post_confirmation(pick_list_id: RowId, body: Confirm, uow: Uow, principal: Picker) -> dict[str, Any] | Response:
    """Confirms an open stop with what was scanned: `location`, `sku` (or the item's barcode), `lot` and
    `quantity`; `stop_id` pins the stop when one location serves several. The units move onto the cart, still
    reserved for their shipment. Another lot at the same location is accepted when FEFO allows it for the
    order. Fewer units than the stop's is a short pick and needs a `reason` (`not_found`, `damaged`,
    `expired`): the shortfall is re-allocated as new open stops (`added_stop_ids`) or backordered, and the
    location gets a cycle count. The answer is the pick list as the handheld now sees it.

    A stop is confirmed once: scanning it again is a 409 `stop_already_confirmed` (a retry with the same
    `Idempotency-Key` gets the first answer). 409 with what to do instead: `wrong_location`, `wrong_item`,
    `wrong_lot`, `lot_not_allowed`, `lot_not_available`, `over_pick`; 422 `short_reason_required`; 409
    `pick_list_not_claimed`, 403 `pick_list_of_another_picker`.
    """
    return stored_answer(confirm(pick_list_id, body, uow, principal.actor, supervisor=principal.role == "admin"))


@router.post(
    "/pick-lists/{pick_list_id}/short-picks",
    status_code=201,
    response_model=ConfirmationResult,
    summary="Report a short pick",
    openapi_extra=ATOMIC_ROUTE,
)
def post_short_pick(pick_list_id: RowId, body: ShortPick, uow: Uow, principal: Picker) -> dict[str, Any] | Response:
    """Nothing of a stop could be picked: the same as a confirmation of zero units, with its `reason`
    (`not_found`, `damaged`, `expired`). The missing units are accounted for at once and looked for
    elsewhere; a `pick_list.short_pick` event tells the ERP. Errors as for confirmations."""
    return stored_answer(confirm(pick_list_id, body, uow, principal.actor, supervisor=principal.role == "admin"))


@router.post("/pick-lists/{pick_list_id}/deliver", response_model=PickListView, summary="Deliver the cart to packing")
def post_deliver(pick_list_id: RowId, uow: Uow, principal: Picker, body: Deliver | None = None) -> dict[str, Any]:
    """The cart of a fully confirmed pick list reaches the packing station (`location`, default `PACKING`):
    its stock moves there in the ledger (`cart_drop`), still reserved, and its shipments wait for packing
    (`GET /v1/shipments?status=picked`). The list becomes `delivered`.

    Delivering again is a 409 `pick_list_not_picked`, as is a list with open stops; 422
    `not_a_packing_station`.
    """
    handheld.deliver(pick_list_id, body or Deliver(), uow, principal.actor, supervisor=principal.role == "admin")
    return _detail(uow, pick_list_id)


@router.post("/pick-lists/{pick_list_id}/release", response_model=PickListView, summary="Release a pick list")
def post_release(pick_list_id: RowId, uow: Uow, principal: FloorLead) -> dict[str, Any]:
    """Hands a claimed pick list back to the queue with its cart (a picker its own, a planner any). A full
    cart not yet delivered stays `picked` and is the first thing the next claim hands out, to deliver.
    Releasing again is a 409 `pick_list_not_claimed`."""
    handheld.release(pick_list_id, uow, principal.actor, supervisor=principal.role != "picker")
    return _detail(uow, pick_list_id)
