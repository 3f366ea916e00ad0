"""Events for ERPs: poll them in order, or have them pushed to webhooks."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import AnyHttpUrl, Field
from sqlalchemy import func, select

from wms.api.deps import Uow, require
from wms.api.order_schemas import EventPage, WebhookOut
from wms.api.pagination import Page, PageParams, page_of
from wms.api.routing import resource_router
from wms.auth.keys import Principal
from wms.db import UnitOfWork
from wms.events.orm import OutboxEvent, Webhook
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


def _webhook(h: Webhook) -> dict[str, Any]:
    return {"id": h.id, "url": h.url, "active": h.active, "delivered_seq": h.delivered_seq, "attempts": h.attempts,
            "next_attempt_at": h.next_attempt_at, "last_error": h.last_error}


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
def post_webhook(body: CreateWebhook, uow: Uow, _: Admin,
                 from_start: Annotated[bool, Query(description="Deliver past events too.")] = False) -> dict[str, Any]:
    """Events are POSTed to ``url`` signed with ``X-WMS-Signature: t=…,v1=HMAC-SHA256(secret, "t." + body)``."""
    secret = body.secret or secrets.token_urlsafe(32)

    def work(u: UnitOfWork) -> dict[str, Any]:
        start = 0 if from_start else u.session.scalar(select(func.coalesce(func.max(OutboxEvent.seq), 0)))
        hook = Webhook(url=str(body.url), secret=secret, delivered_seq=start or 0)
        u.session.add(hook)
        u.session.flush()
        return {**_webhook(hook), "secret": secret}

    return uow.run(work)


@router.get("/webhooks", response_model=Page[WebhookOut])
def list_webhooks(uow: Uow, _: Admin, page: Annotated[PageParams, Depends()]) -> dict[str, Any]:
    def work(u: UnitOfWork) -> list[tuple[int, dict[str, Any]]]:
        hooks = u.session.scalars(select(Webhook).where(Webhook.id > page.after_id).order_by(Webhook.id)
                                  .limit(page.limit + 1)).all()
        return [(h.id, _webhook(h)) for h in hooks]

    return page_of(uow.run(work, read_only=True), page.limit)

