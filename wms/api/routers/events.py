"""Events for ERPs: poll them in order, or have them pushed to webhooks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Response

from wms.api.deps import SmallRowId, Uow, require
from wms.api.guide import EVENTS_TAG
from wms.api.pagination import CURSOR_PATTERN, PageParams, PageQuery, page_of
from wms.api.routing import resource_router
from wms.api.schemas.events import CreateWebhook, EventPage, WebhookCreated, WebhookOut, WebhookPage
from wms.auth.keys import Principal
from wms.events import webhooks
from wms.events.feed import events_after
from wms.fields import MAX_ID

router = resource_router(EVENTS_TAG)
# One stream for every warehouse, and webhooks that receive all of it: no token limited to a warehouse.
Erp = Annotated[Principal, Depends(require("erp", every_warehouse=True))]
Admin = Annotated[Principal, Depends(require(every_warehouse=True))]


@router.get("/events", response_model=EventPage, summary="Poll events")
def list_events(
    uow: Uow,
    _: Erp,
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> dict[str, Any]:
    """Events in commit order after sequence number `after` (or after `cursor`). `seq` is gapless and no
    event can commit later with a smaller one, so keep the last `seq` you processed and poll with
    `?after=` it; `last_seq` is the newest there is. If you may process an event twice (a crash before you
    saved its `seq`), drop an `id` you have seen. Each `type` and its `payload` are described in the
    webhooks section.
    """
    start = PageParams(limit=limit, cursor=cursor).after_id if cursor else after

    rows, last = events_after(uow, start, limit)
    page = page_of(rows, limit)
    page["last_seq"] = last
    return page


@router.post("/webhooks", status_code=201, response_model=WebhookCreated, summary="Register a webhook")
def post_webhook(
    body: CreateWebhook,
    uow: Uow,
    _: Admin,
    from_start: Annotated[bool, Query(description="Deliver past events too.")] = False,
) -> dict[str, Any]:
    """From now on (or from the first event, with `from_start=true`) every event is POSTed to `url`, in
    order, at least once, signed with `X-WMS-Signature: t=<unix time>,v1=<HMAC-SHA256(secret, "<t>." +
    body)>` (see the webhooks section). Without a `secret` one is made; it is shown only in this answer.

    Each call registers another webhook, also for a URL already registered: retry with the same
    `Idempotency-Key`.
    """
    return webhooks.create_webhook(uow, str(body.url), body.secret, from_start=from_start)


@router.get("/webhooks", response_model=WebhookPage, summary="List webhooks")
def list_webhooks(uow: Uow, _: Admin, page: PageQuery) -> dict[str, Any]:
    """Every webhook with its delivery state: `delivered_seq` (every event up to it was acknowledged); the
    failure streak of the next event: failed `attempts` in a row, `failing_since` (the first of them),
    `next_attempt_at`, `last_error`; and `active: false` while paused (by `POST /v1/webhooks/{id}/pause`,
    or by the relay after a long run of failures). Secrets are not shown."""
    return page_of(webhooks.list_webhooks(uow, after_id=page.after_id, limit=page.limit), page.limit)


@router.get("/webhooks/{webhook_id}", response_model=WebhookOut, summary="Get a webhook")
def get_webhook(webhook_id: SmallRowId, uow: Uow, _: Admin) -> dict[str, Any]:
    """The webhook with its delivery state (as in the list). 404 `webhook_not_found`."""
    return webhooks.get_webhook(uow, webhook_id)


@router.delete("/webhooks/{webhook_id}", status_code=204, response_class=Response, summary="Delete a webhook")
def delete_webhook(webhook_id: SmallRowId, uow: Uow, _: Admin) -> Response:
    """Deletes the webhook and its delivery log; no more events are sent to it. The events stay in the
    outbox (`GET /v1/events`). 404 `webhook_not_found`, also when it was deleted already."""
    webhooks.delete_webhook(uow, webhook_id)
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id}/pause", response_model=WebhookOut, summary="Pause a webhook")
def pause_webhook(webhook_id: SmallRowId, uow: Uow, _: Admin) -> dict[str, Any]:
    """Stops deliveries (`active: false`); events wait in the outbox and are delivered, in order, once it is
    resumed. Pausing a paused webhook returns it unchanged. 404 `webhook_not_found`."""
    return webhooks.pause_webhook(uow, webhook_id)


@router.post("/webhooks/{webhook_id}/resume", response_model=WebhookOut, summary="Resume a webhook")
def resume_webhook(webhook_id: SmallRowId, uow: Uow, _: Admin) -> dict[str, Any]:
    """Delivers again from `delivered_seq` on the relay's next pass: the failure streak and its backoff are
    cleared (`last_error` stays until a delivery succeeds). This is also what brings back a webhook the relay
    paused after a long run of failures (`WMS_WEBHOOK_MAX_ATTEMPTS` in a row over `WMS_WEBHOOK_PAUSE_AFTER_S`);
    resuming an active webhook only clears its backoff. 404 `webhook_not_found`."""
    return webhooks.resume_webhook(uow, webhook_id)
