"""Orders pushed by ERPs: intake (single and bulk), ERP messages, cancel, problems."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Response
from pydantic import ValidationError
from sqlalchemy import select

from wms.api.deps import AppSettings, Uow, require, scoped_warehouse
from wms.api.errors import status_of, validation_error
from wms.api.order_schemas import (BulkOut, MessageOut, OpenProblemPage, OrderOut, OrderSummaryPage,
                                   PendingMessagePage)
from wms.api.pagination import PageParams, page_of
from wms.api.routing import resource_router
from wms.auth.keys import Principal
from wms.db import UnitOfWork
from wms.errors import DomainError
from wms.orders import queries, services
from wms.orders.commands import BulkPush, Cancel, ChangeCarrier, OrderMessage, PushOrder, ResolveProblem
from wms.orders.lifecycle import STATUSES
from wms.orders.orm import Order, OrderProblem
from wms.orders.workflow import Policy

router = resource_router("orders")

Erp = Annotated[Principal, Depends(require("erp"))]
Reader = Annotated[Principal, Depends(require("erp", "planner"))]
Resolver = Annotated[Principal, Depends(require("erp", "planner"))]
Planner = Annotated[Principal, Depends(require("planner"))]
OrderId = Annotated[int, Path(ge=1, le=2**62)]
Filter = Annotated[str | None, Query(max_length=100)]


def _detail(uow: UnitOfWork, order_id: int) -> dict[str, Any]:
    return uow.run(lambda u: queries.order_detail(u.session, order_id), read_only=True)


@router.post("/orders", status_code=201, response_model=OrderOut,
             responses={200: {"model": OrderOut, "description": "the order existed already"}})
def post_order(body: PushOrder, uow: Uow, settings: AppSettings, principal: Erp, response: Response) -> dict[str, Any]:
    """Push an order. The same (channel, external_id) again returns the existing order (200),
    applying a payment or an address correction it carries."""
    order_id, created = services.push_order(body, uow, Policy.from_settings(settings), principal.actor)
    if not created:
        response.status_code = 200
    return _detail(uow, order_id)


@router.post("/orders/bulk", status_code=200, response_model=BulkOut)
def post_orders_bulk(body: BulkPush, uow: Uow, settings: AppSettings, principal: Erp) -> dict[str, Any]:
    """Up to 1,000 orders, each on its own: one bad order does not reject the others. Each result
    carries the order's ``external_id`` and ``channel`` when it has them; an error's ``loc`` is the
    same as in a single push, from the top of this request (``["body", "orders", 3, "lines", 0, "sku"]``)."""
    policy = Policy.from_settings(settings)
    results = [_bulk_result(index, raw, uow, policy, principal.actor) for index, raw in enumerate(body.orders)]
    count = {k: sum(r["result"] == k for r in results) for k in ("created", "existing", "error")}
    return {"results": results, "created": count["created"], "existing": count["existing"],
            "errors": count["error"]}


def _bulk_result(index: int, raw: dict[str, object], uow: UnitOfWork, policy: Policy, actor: str) -> dict[str, Any]:
    result: dict[str, Any] = {"index": index, **{k: raw[k] for k in ("external_id", "channel")
                                                   if isinstance(raw.get(k), str)}}
    try:
        order_id, created = services.push_order(PushOrder.model_validate(raw), uow, policy, actor)
    except ValidationError as exc:
        return {**result, "result": "error", "status_code": 422,
                "error": validation_error(exc.errors(), prefix=("body", "orders", index))}
    except DomainError as exc:
        return {**result, "result": "error", "status_code": status_of(exc),
                "error": {"code": exc.code, "message": exc.message, "details": exc.details}}
    return {**result, "result": "created" if created else "existing", "order_id": order_id,
            "status_code": 201 if created else 200}


@router.post("/orders/messages", status_code=200, response_model=MessageOut)
def post_order_message(body: OrderMessage, uow: Uow, settings: AppSettings, principal: Erp) -> dict[str, Any]:
    """Payment received, address or carrier changed, cancellation or refund, addressed by (channel,
    external_id). The newest address and the newest carrier (by ``at``) win whatever order messages arrive
    in. A message for an order not pushed yet is kept and applied when it comes (``pending``)."""
    order_id = services.apply_message(body, uow, Policy.from_settings(settings), principal.actor)
    if order_id is None:
        return {"result": "pending", "order": None}
    return {"result": "applied", "order": _detail(uow, order_id)}


@router.get("/orders", response_model=OrderSummaryPage)
def list_orders(uow: Uow, principal: Reader, page: Annotated[PageParams, Depends()],
                status: Literal[STATUSES] | None = None,  # type: ignore[valid-type]
                channel: Filter = None, external_id: Filter = None, customer_id: Filter = None,
                warehouse: Filter = None, problem: Filter = None) -> dict[str, Any]:
    wh = scoped_warehouse(principal, warehouse)
    rows = uow.run(lambda u: queries.list_orders(
        u.session, status=status, channel=channel, external_id=external_id, customer_id=customer_id,
        warehouse=wh, problem=problem, after_id=page.after_id, limit=page.limit), read_only=True)
    return page_of(rows, page.limit)


# declared before /orders/{order_id}, which would otherwise take "messages" for an order id
@router.get("/orders/messages", response_model=PendingMessagePage)
def list_order_messages(uow: Uow, _: Reader, page: Annotated[PageParams, Depends()],
                        status: Literal["pending"] = "pending", channel: Filter = None,
                        external_id: Filter = None) -> dict[str, Any]:
    """ERP messages waiting for an order that has not arrived, oldest first. A message is kept only
    until its order comes: once applied it is part of the order (its history and events), so
    ``pending`` is the only status there is to list."""
    rows = uow.run(lambda u: queries.pending_messages(
        u.session, channel=channel, external_id=external_id, after_id=page.after_id, limit=page.limit),
        read_only=True)
    return page_of(rows, page.limit)


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: OrderId, uow: Uow, _: Reader) -> dict[str, Any]:
    return _detail(uow, order_id)


@router.post("/orders/{order_id}/cancel", status_code=200, response_model=OrderOut)
def post_cancel(order_id: OrderId, uow: Uow, principal: Erp, body: Cancel | None = None) -> dict[str, Any]:
    """Cancel an order that has not shipped; whatever it holds is released."""
    services.cancel_order(order_id, body.reason if body else None, uow, principal.actor)
    return _detail(uow, order_id)


@router.post("/orders/{order_id}/carrier", status_code=200, response_model=OrderOut)
def post_carrier(order_id: OrderId, body: ChangeCarrier, uow: Uow, settings: AppSettings,
                 principal: Planner) -> dict[str, Any]:
    """Change the order's carrier until it ships (``auto``: the carrier rules choose at packing). Not yet
    in a wave, it is allocated again and may merge with the customer's orders for that carrier; on the
    floor, a packed shipment's parcels are voided for a new label."""
    services.change_carrier(order_id, body.carrier, uow, Policy.from_settings(settings), principal.actor)
    return _detail(uow, order_id)


@router.post("/orders/{order_id}/problems/{problem_id}/resolve", status_code=200, response_model=OrderOut)
def post_resolve(order_id: OrderId, problem_id: OrderId, body: ResolveProblem, uow: Uow, settings: AppSettings,
                 principal: Resolver) -> dict[str, Any]:
    """Close a problem; the order continues (out of stock: allocation is retried, closed when it succeeds)."""
    services.resolve_problem(order_id, problem_id, body.resolution, uow, Policy.from_settings(settings), principal.actor)
    return _detail(uow, order_id)


@router.get("/order-problems", response_model=OpenProblemPage)
def list_problems(uow: Uow, _: Reader, page: Annotated[PageParams, Depends()], code: Filter = None,
                  open_only: Annotated[bool, Query(alias="open")] = True) -> dict[str, Any]:
    """Problem orders for people to handle, oldest first, each with its same-day deadline."""

    def work(u: UnitOfWork) -> list[tuple[int, dict[str, Any]]]:
        stmt = (select(OrderProblem, Order).join(Order, Order.id == OrderProblem.order_id)
                .where(OrderProblem.id > page.after_id).order_by(OrderProblem.id).limit(page.limit + 1))
        if code is not None:
            stmt = stmt.where(OrderProblem.code == code)
        if open_only:
            stmt = stmt.where(OrderProblem.resolved_at.is_(None))
        return [(p.id, {**queries.problem_row(p), "order_id": o.id, "external_id": o.external_id,
                        "channel": o.channel, "order_status": o.status})
                for p, o in u.session.execute(stmt).all()]

    return page_of(uow.run(work, read_only=True), page.limit)
