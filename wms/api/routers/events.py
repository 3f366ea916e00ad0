"""Events for ERPs: poll them in order, or have them pushed to webhooks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Response
from pydantic import AnyHttpUrl, Field
from sqlalchemy import func, select

from wms.api.deps import RowId, Uow, require
from wms.api.order_schemas import EventPage, WebhookOut, WebhookPage
from wms.api.pagination import PageParams, page_of
from wms.api.routing import resource_router
from wms.auth.keys import Principal
from wms.db import UnitOfWork
from wms.events import webhooks
from wms.events.orm import OutboxEvent
from wms.events.relay import event_body
from wms.inventory.commands import Command

router = resource_router("events")
Erp = Annotated[Principal, Depends(require("erp"))]
Admin = Annotated[Principal, Depends(require())]


class CreateWebhook(Command):
    url: AnyHttpUrl
    secret: Annotated[str, Field(min_length=16, max_length=200)] | None = None


class WebhookCreated(WebhookOut):
    secret: str


@router.get("/events", response_model=EventPage)
def list_events(uow: Uow, _: Erp, after: Annotated[int, Query(ge=0, le=2**62)] = 0,
                limit: Annotated[int, Query(ge=1, le=500)] = 100,
                cursor: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
    """Events in commit order after sequence number ``after`` (or after ``cursor``)."""
    start = PageParams(limit=limit, cursor=cursor).after_id if cursor else after

    def work(u: UnitOfWork) -> dict[str, Any]:
        rows = u.session.scalars(select(OutboxEvent).where(OutboxEvent.seq > start)
                                 .order_by(OutboxEvent.seq).limit(limit + 1)).all()
        last = u.session.scalar(select(func.coalesce(func.max(OutboxEvent.seq), 0)))
        page = page_of([(e.seq, event_body(e)) for e in rows], limit)
        page["last_seq"] = last
        return page

    return uow.run(work, read_only=True)


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
def post_webhook(body: CreateWebhook, uow: Uow, _: Admin,
                 from_start: Annotated[bool, Query(description="Deliver past events too.")] = False) -> dict[str, Any]:
    """Events are POSTed to ``url`` signed with ``X-WMS-Signature: t=…,v1=HMAC-SHA256(secret, "t." + body)``."""
    return webhooks.create_webhook(uow, str(body.url), body.secret, from_start=from_start)


@router.get("/webhooks", response_model=WebhookPage)
def list_webhooks(uow: Uow, _: Admin, page: Annotated[PageParams, Depends()]) -> dict[str, Any]:
    return page_of(webhooks.list_webhooks(uow, after_id=page.after_id, limit=page.limit), page.limit)


@router.get("/webhooks/{webhook_id}", response_model=WebhookOut)
def get_webhook(webhook_id: RowId, uow: Uow, _: Admin) -> dict[str, Any]:
    return webhooks.get_webhook(uow, webhook_id)


@router.delete("/webhooks/{webhook_id}", status_code=204, response_class=Response)
def delete_webhook(webhook_id: RowId, uow: Uow, _: Admin) -> Response:
    """The webhook and its delivery log; events stay in the outbox (``GET /v1/events``)."""
    webhooks.delete_webhook(uow, webhook_id)
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id}/pause", response_model=WebhookOut)
def pause_webhook(webhook_id: RowId, uow: Uow, _: Admin) -> dict[str, Any]:
    """Stop deliveries (a paused webhook is returned unchanged); events wait in the outbox."""
    return webhooks.pause_webhook(uow, webhook_id)


@router.post("/webhooks/{webhook_id}/resume", response_model=WebhookOut)
def resume_webhook(webhook_id: RowId, uow: Uow, _: Admin) -> dict[str, Any]:
    """Deliver again from ``delivered_seq`` at once: the failure streak and its backoff are cleared
    (also what brings back a webhook the relay paused after ``WMS_WEBHOOK_MAX_ATTEMPTS`` failures)."""
    return webhooks.resume_webhook(uow, webhook_id)
