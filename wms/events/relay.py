"""Delivering outbox events to webhooks: signed, in order, at least once, with backoff.

No lock is held while a webhook is called: the relay reads the next events,
calls the URL, then advances the webhook's cursor only if nobody else did
(a second relay process at worst delivers an event twice, never skips one).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from wms.events.orm import OutboxEvent, Webhook, WebhookDelivery
from wms.orm import utcnow
from wms.periodic import Periodic

log = logging.getLogger(__name__)
BATCH = 50
MAX_BACKOFF_S = 3600.0


def event_body(e: OutboxEvent) -> dict[str, Any]:
    return {"id": e.event_id, "seq": e.seq, "type": e.type, "payload": e.payload, "created_at": e.created_at.isoformat()}


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`` (the receiver recomputes it)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def backoff_s(attempts: int) -> float:
    return min(MAX_BACKOFF_S, 0.5 * 2 ** (attempts - 1)) * random.uniform(0.8, 1.2)


def deliver_due(factory: sessionmaker[Session], client: httpx.Client, max_attempts: int,
                now: datetime | None = None) -> int:
    """One pass over the webhooks that are due; returns the events delivered."""
    now = now or utcnow()
    with factory() as s:
        hooks = s.scalars(select(Webhook).where(
            Webhook.active.is_(True), or_(Webhook.next_attempt_at.is_(None), Webhook.next_attempt_at <= now))).all()
        s.commit()
    return sum(_deliver_one(factory, client, hook, max_attempts) for hook in hooks)


def _deliver_one(factory: sessionmaker[Session], client: httpx.Client, hook: Webhook, max_attempts: int) -> int:
    with factory() as s:
        events = s.scalars(select(OutboxEvent).where(OutboxEvent.seq > hook.delivered_seq)
                           .order_by(OutboxEvent.seq).limit(BATCH)).all()
        s.commit()
    delivered, cursor = 0, hook.delivered_seq
    for e in events:
        body = json.dumps(event_body(e), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "X-WMS-Event-Id": e.event_id, "X-WMS-Event-Type": e.type,
                   "X-WMS-Signature": sign(hook.secret, int(time.time()), body)}
        status, error = None, None
        try:
            response = client.post(hook.url, content=body, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        still_active = _record(factory, hook, e.seq, cursor, status, error, max_attempts)
        if error is not None:
            log.warning("webhook %s: event %s not delivered (%s)", hook.url, e.seq, error)
            return delivered
        delivered, cursor = delivered + 1, e.seq
        if not still_active:  # paused or deleted while it was being called: stop here
            return delivered
    return delivered


def _record(factory: sessionmaker[Session], hook: Webhook, seq: int, cursor: int, status: int | None,
            error: str | None, max_attempts: int) -> bool:
    """Log the attempt and move the cursor (only if nobody else did); whether the webhook is still active.

    The webhook row is locked first (an admin deleting it locks it too), so the log never points at a
    deleted webhook; a webhook paused while it was being called is left paused.
    """
    with factory() as s:
        active = s.scalar(select(Webhook.active).where(Webhook.id == hook.id).with_for_update())
        if active is None:
            s.commit()
            return False
        s.add(WebhookDelivery(webhook_id=hook.id, seq=seq, status_code=status, error=error))
        mine = update(Webhook).where(Webhook.id == hook.id, Webhook.delivered_seq == cursor)
        if error is None:
            s.execute(mine.values(delivered_seq=seq, attempts=0, next_attempt_at=None, last_error=None))
        else:
            attempts = hook.attempts + 1
            paused = {"active": False} if attempts >= max_attempts else {}
            s.execute(mine.values(attempts=attempts, last_error=error, **paused,
                                  next_attempt_at=utcnow() + timedelta(seconds=backoff_s(attempts))))
        s.commit()
        return bool(active)


class WebhookRelay(Periodic):
    """Delivers due events every ``interval_s`` until stopped."""

    def __init__(self, factory: sessionmaker[Session], max_attempts: int, interval_s: float = 0.5) -> None:
        self._client = httpx.Client(timeout=10)
        super().__init__("webhook-relay", interval_s, lambda: deliver_due(factory, self._client, max_attempts))

    def stop(self) -> None:
        super().stop()
        self._client.close()
