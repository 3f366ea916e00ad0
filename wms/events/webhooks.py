"""Webhooks as an admin manages them: register, look at, pause, resume, delete.

A paused webhook (``active`` false) is skipped by the relay; the relay pauses
one itself after a long run of failures of its head event (at least
``webhook_max_attempts`` in a row over at least ``webhook_pause_after_s``).
Resuming clears the failure streak and the relay delivers again from
``delivered_seq``, the last event the receiver took. Pause, resume and delete
lock the webhook row and leave the relay's lease alone: a turn under way ends
by itself at its next write, which sees the row as it is then. Deleting a
webhook deletes its delivery log with it, in one transaction: the log is only
ever read for its webhook, and a log row pointing at nothing would be kept for
no reader.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import BigInteger, delete, func, literal, select
from sqlalchemy.orm import Session

from wms.db import UnitOfWork
from wms.errors import NotFound
from wms.events.orm import OutboxEvent, Webhook, WebhookDelivery

Row = dict[str, Any]


def webhook_view(h: Webhook) -> Row:
    return {
        "id": h.id,
        "url": h.url,
        "active": h.active,
        "delivered_seq": h.delivered_seq,
        "attempts": h.attempts,
        "failing_since": h.failing_since,
        "next_attempt_at": h.next_attempt_at,
        "last_error": h.last_error,
    }


def create_webhook(uow: UnitOfWork, url: str, secret: str | None, *, from_start: bool) -> Row:
    """A new webhook, with its secret (generated when not given); it gets events from now on, or all of them."""
    secret = secret or secrets.token_urlsafe(32)

    def work(u: UnitOfWork) -> Row:
        start = 0 if from_start else u.session.scalar(select(func.coalesce(func.max(OutboxEvent.seq), 0)))
        hook = Webhook(url=url, secret=secret, delivered_seq=start or 0)
        u.session.add(hook)
        u.session.flush()
        return {**webhook_view(hook), "secret": secret}

    return uow.run(work)


def list_webhooks(uow: UnitOfWork, *, after_id: int, limit: int) -> list[tuple[int, Row]]:
    def work(u: UnitOfWork) -> list[tuple[int, Row]]:
        hooks = u.session.scalars(
            select(Webhook).where(Webhook.id > literal(after_id, BigInteger())).order_by(Webhook.id).limit(limit + 1)
        ).all()
        return [(h.id, webhook_view(h)) for h in hooks]

    return uow.run(work, read_only=True)


def get_webhook(uow: UnitOfWork, webhook_id: int) -> Row:
    return uow.run(lambda u: webhook_view(_get(u.session, webhook_id)), read_only=True)


def pause_webhook(uow: UnitOfWork, webhook_id: int) -> Row:
    """The relay skips it from its next event on; pausing a paused webhook changes nothing."""

    def work(u: UnitOfWork) -> Row:
        hook = _get(u.session, webhook_id, lock=True)
        hook.active = False
        return webhook_view(hook)

    return uow.run(work)


def resume_webhook(uow: UnitOfWork, webhook_id: int) -> Row:
    """Active again with the failure streak and its backoff cleared: the relay delivers from
    ``delivered_seq`` on its next pass (``last_error`` stays until a delivery succeeds)."""

    def work(u: UnitOfWork) -> Row:
        hook = _get(u.session, webhook_id, lock=True)
        hook.active, hook.attempts, hook.failing_since, hook.next_attempt_at = True, 0, None, None
        return webhook_view(hook)

    return uow.run(work)


def delete_webhook(uow: UnitOfWork, webhook_id: int) -> None:
    """The webhook and its delivery log. The row is locked first, as the relay locks it before it writes
    to the log, so a delivery in flight either lands before the delete (and goes with it) or not at all."""

    def work(u: UnitOfWork) -> None:
        _get(u.session, webhook_id, lock=True)
        u.session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id))
        u.session.execute(delete(Webhook).where(Webhook.id == webhook_id))

    uow.run(work)


def _get(s: Session, webhook_id: int, *, lock: bool = False) -> Webhook:
    stmt = select(Webhook).where(Webhook.id == webhook_id)
    hook = s.scalars(stmt.with_for_update() if lock else stmt).first()
    if hook is None:
        raise NotFound(f"webhook {webhook_id} not found", code="webhook_not_found")
    return hook
