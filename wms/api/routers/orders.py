"""Orders pushed by ERPs: intake (one order; in bulk: ``bulk_orders``), ERP messages, cancel, problems."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Response
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from wms.api.deps import AppSettings, Uow, WarehouseFilter, require
from wms.api.idempotency import ATOMIC_ROUTE, RESUMABLE_ROUTE
from wms.api.pagination import PageQuery, page_of
from wms.api.routing import resource_router
from wms.api.schemas.orders import (
    MessageOut,
    OpenProblemPage,
    OrderOut,
    OrderSummaryPage,
    PendingMessagePage,
)
from wms.auth.keys import Principal
from wms.db import UnitOfWork
from wms.fields import MAX_ID, TEXT
from wms.orders import queries, services
from wms.orders.commands import Cancel, ChangeCarrier, OrderMessage, PushOrder, ResolveProblem
from wms.orders.lifecycle import STATUSES
from wms.orders.workflow import Policy
from wms.views import orders as order_views

router = resource_router("orders")

# Order intake and ERP messages span every warehouse: where an order ships from is the WMS's decision.
Intake = Annotated[Principal, Depends(require("erp", every_warehouse=True))]
MessageReader = Annotated[Principal, Depends(require("erp", "planner", every_warehouse=True))]
Erp = Annotated[Principal, Depends(require("erp"))]
Reader = Annotated[Principal, Depends(require("erp", "planner"))]
Planner = Annotated[Principal, Depends(require("planner"))]
OrderId = Annotated[int, Path(ge=1, le=MAX_ID)]
# raised by the first commit of a request whose Idempotency-Key another request holds (wms.api.idempotency)
Filter = Annotated[str | None, Query(max_length=100, pattern=TEXT)]  # no control character: none is ever stored


def _detail(uow: UnitOfWork, order_id: int, principal: Principal) -> dict[str, Any]:
    """The order as the caller may see it: a warehouse-limited token sees its warehouse's shipments only."""
    return uow.run(lambda u: order_views.order_detail(u.session, order_id, principal.warehouse_code), read_only=True)


@router.post(
    "/orders",
    openapi_extra=ATOMIC_ROUTE,
    status_code=201,
    response_model=OrderOut,
    summary="Push an order",
    responses={200: {"model": OrderOut, "description": "the order existed already"}},
)
def post_order(body: PushOrder, uow: Uow, settings: AppSettings, principal: Intake) -> Response:
    """Takes an order from a sales channel. It is reviewed at once (an unclear address, a buyer message or a
    seller remark is a problem for a person, in `GET /v1/order-problems`); a paid order is then allocated FEFO
    across warehouses, merged with the same customer's paid orders to the same address and carrier, or split
    across warehouses with as few shipments as possible. The answer is the order with its `status`,
    `shipments` and `problem_list`; what happens next comes as events.

    `(channel, external_id)` is unique: the same order pushed again creates nothing and answers 200 with the
    existing order, applying a payment (`paid: true`) or an address it carries. 404 `item_not_found` for an
    unknown SKU (`details.skus`); 422 `validation_error` for an order without lines.
    """

    def answer(session: Session, order_id: int, created: bool) -> Response:  # read with the work, committed with it
        detail = ORDER_OUT.validate_python(order_views.order_detail(session, order_id, principal.warehouse_code))
        return Response(ORDER_OUT.dump_json(detail, by_alias=True), 201 if created else 200, media_type=JSON)

    return services.push_order_then(body, uow, Policy.from_settings(settings), principal.actor, answer)


ORDER_OUT = TypeAdapter(OrderOut)
JSON = "application/json"


@router.post(
    "/orders/messages",
    openapi_extra=RESUMABLE_ROUTE,
    status_code=200,
    response_model=MessageOut,
    summary="Send an ERP message about an order",
)
def post_order_message(body: OrderMessage, uow: Uow, settings: AppSettings, principal: Intake) -> dict[str, Any]:
    """A payment received (`payment`), an address corrected (`address`, with `ship_to`), a carrier changed
    (`carrier`, with `carrier`), a cancellation (`cancel`) or a refund (`refund`), for the order with this
    `channel` and `external_id`. The answer is `applied` with the order, or `pending` when the order has not
    been pushed yet: the message is kept (`GET /v1/orders/messages`) and applied when it comes.

    Messages may arrive late, twice or out of order and end in the same state: payment only ever turns on,
    the newest address and the newest carrier by `at` win, a refund wins over a cancel, and a message that
    no longer fits the order's state (a cancel after shipping) changes nothing. An address or carrier
    changed while the order is on the floor voids packed parcels for a new label; an unclear new address
    holds packing until it is resolved.
    """
    order_id = services.apply_message(body, uow, Policy.from_settings(settings), principal.actor)
    if order_id is None:
        return {"result": "pending", "order": None}
    return {"result": "applied", "order": _detail(uow, order_id, principal)}


@router.get("/orders", response_model=OrderSummaryPage, summary="List orders")
def list_orders(
    uow: Uow,
    _: Reader,
    page: PageQuery,
    warehouse: WarehouseFilter,
    status: Literal[STATUSES] | None = None,  # type: ignore[valid-type]
    channel: Filter = None,
    external_id: Filter = None,
    customer_id: Filter = None,
    problem: Filter = None,
) -> dict[str, Any]:
    """Orders, oldest first, by `status`, `channel`, `external_id`, `customer_id`, `warehouse` (one of its
    shipments is there, not cancelled) or open `problem` code. Find an ERP's order by `channel` and
    `external_id`. A warehouse-limited token sees the orders of its warehouse only: an order without a
    shipment yet (not reviewed, unpaid, backordered) or cancelled belongs to no warehouse."""
    rows = uow.run(
        lambda u: order_views.list_orders(
            u.session,
            status=status,
            channel=channel,
            external_id=external_id,
            customer_id=customer_id,
            warehouse=warehouse,
            problem=problem,
            after_id=page.after_id,
            limit=page.limit,
        ),
        read_only=True,
    )
    return page_of(rows, page.limit)


# declared before /orders/{order_id}, which would otherwise take "messages" for an order id
@router.get("/orders/messages", response_model=PendingMessagePage, summary="List ERP messages waiting for their order")
def list_order_messages(
    uow: Uow,
    _: MessageReader,
    page: PageQuery,
    status: Literal["pending"] = "pending",
    channel: Filter = None,
    external_id: Filter = None,
) -> dict[str, Any]:
    """ERP messages (`POST /v1/orders/messages`) waiting for an order that has not arrived, oldest first,
    by `channel` and `external_id`. A message is kept only until its order comes: once applied it is part of
    the order (its history and events), so `pending` is the only status there is to list."""
    rows = uow.run(
        lambda u: queries.pending_messages(
            u.session, channel=channel, external_id=external_id, after_id=page.after_id, limit=page.limit
        ),
        read_only=True,
    )
    return page_of(rows, page.limit)


@router.get("/orders/{order_id}", response_model=OrderOut, summary="Get an order")
def get_order(order_id: OrderId, uow: Uow, principal: Reader) -> dict[str, Any]:
    """The order with its lines (allocated and backordered units), shipments with their FEFO allocations
    (location, lot, expiry), problems and the history of its states. 404 `order_not_found`. A
    warehouse-limited token reads an order with a shipment in its warehouse (and sees those shipments only);
    other orders are a 403 `warehouse_forbidden`."""
    return _detail(uow, order_id, principal)


@router.post(
    "/orders/{order_id}/cancel",
    openapi_extra=RESUMABLE_ROUTE,
    status_code=200,
    response_model=OrderOut,
    summary="Cancel an order",
)
def post_cancel(order_id: OrderId, uow: Uow, principal: Erp, body: Cancel | None = None) -> dict[str, Any]:
    """Cancels an order that has not shipped: its reserved stock is released, its open pick-list stops are
    cancelled and units already picked are left free to put away (`GET /v1/stock/putaway`). The body and its
    `reason` are optional.

    Cancelling a cancelled order again answers the order unchanged. 409 `illegal_transition` for an order
    that has shipped or was refunded (after shipping, send a `refund` message); 404 `order_not_found`.
    """
    services.cancel_order(order_id, body.reason if body else None, uow, principal.actor)
    return _detail(uow, order_id, principal)


@router.post(
    "/orders/{order_id}/carrier",
    openapi_extra=RESUMABLE_ROUTE,
    status_code=200,
    response_model=OrderOut,
    summary="Change an order's carrier",
)
def post_carrier(
    order_id: OrderId, body: ChangeCarrier, uow: Uow, settings: AppSettings, principal: Planner
) -> dict[str, Any]:
    """Changes the order's carrier until it ships (`auto`: the carrier rules choose at packing); the change
    counts as newer than every ERP carrier message so far. Not yet in a wave, the order is allocated again
    and may merge with the customer's orders for that carrier; on the floor, a packed shipment's parcels are
    voided for a new label. An `order.carrier_changed` event tells the ERP.

    The same carrier again changes nothing. 409 `order_not_open` once the order has shipped, or was
    cancelled or refunded; 404 `order_not_found`.
    """
    services.change_carrier(order_id, body.carrier, uow, Policy.from_settings(settings), principal.actor)
    return _detail(uow, order_id, principal)


@router.post(
    "/orders/{order_id}/problems/{problem_id}/resolve",
    status_code=200,
    response_model=OrderOut,
    summary="Resolve an order problem",
)
def post_resolve(
    order_id: OrderId, problem_id: OrderId, body: ResolveProblem, uow: Uow, settings: AppSettings, principal: Reader
) -> dict[str, Any]:
    """Closes a problem with a `resolution` (what a person decided) and lets the order go on. An
    `out_of_stock` problem is not closed by hand: allocation is retried, and the problem closes itself
    when it succeeds.

    409 `problem_resolved` when it is closed already; 404 `order_not_found`, `problem_not_found`.
    """
    services.resolve_problem(
        order_id, problem_id, body.resolution, uow, Policy.from_settings(settings), principal.actor
    )
    return _detail(uow, order_id, principal)


@router.get("/order-problems", response_model=OpenProblemPage, summary="List order problems")
def list_problems(
    uow: Uow,
    _: Reader,
    page: PageQuery,
    warehouse: WarehouseFilter,
    code: Filter = None,
    open_only: Annotated[bool, Query(alias="open")] = True,
) -> dict[str, Any]:
    """Problem orders for people to handle, oldest first, each with its same-day deadline (`due_at`): codes
    `unclear_address`, `buyer_message`, `seller_remark`, `out_of_stock`, `short_pick`. `open=false` lists
    resolved ones too; `warehouse` those of orders with a shipment there (a warehouse-limited token sees
    its warehouse's only)."""
    rows = uow.run(
        lambda u: order_views.problem_list(
            u.session, code=code, open_only=open_only, warehouse=warehouse, after_id=page.after_id, limit=page.limit
        ),
        read_only=True,
    )
    return page_of(rows, page.limit)
