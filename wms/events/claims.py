"""The relay's SQL: claim due webhooks under a lease, record each attempt, release.

One delivery in flight per webhook, across threads and server processes: a relay delivers to a webhook
only while it holds its lease (``lease_token``, valid until ``lease_until``). Claiming is a conditional
UPDATE of rows whose lease has run out, in a transaction that first reads the candidates ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL (rows another relay is claiming, or an admin is pausing or deleting, are skipped,
not waited for); SQLite's ``BEGIN IMMEDIATE`` makes the same transaction exclusive. Every later write of
the holder is conditional on its token, so a relay that lost its lease (it stalled past ``lease_until``)
changes nothing and stops. Each write renews the lease, and the relay sends only while the lease covers
the whole request (its timeout), so two relays never have the same webhook's event in flight.

Counters change in SQL (``attempts = attempts + 1``), never from a value read earlier, so a streak is
exactly the failures since the last success or resume. Times are the servers' clocks (keep them in sync,
as for any lease).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, literal, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from wms.events.orm import OutboxCounter, OutboxEvent, Webhook, WebhookDelivery
from wms.events.schedule import RetryPolicy
from wms.orm import UTCDateTime, utcnow

Factory = sessionmaker[Session]


@dataclass(frozen=True)
class Claim:
    """This relay may deliver to ``webhook_id`` until ``until`` (renewed by every attempt it records)."""

    webhook_id: int
    url: str
    secret: str
    token: str
    delivered_seq: int
    until: datetime


@dataclass(frozen=True)
class Outcome:
    """An attempt as recorded: whether the webhook is still active, and the lease's new end."""

    active: bool
    until: datetime


def _due(now: datetime):
    """Active, not leased, not backing off, and with events it has not been given."""
    last_seq = select(OutboxCounter.last_seq).where(OutboxCounter.id == 1).scalar_subquery()
    return (
        Webhook.active.is_(True),
        or_(Webhook.lease_until.is_(None), Webhook.lease_until <= now),
        or_(Webhook.next_attempt_at.is_(None), Webhook.next_attempt_at <= now),
        Webhook.delivered_seq < last_seq,
    )


def any_due(read_factory: Factory, now: datetime | None = None) -> bool:
    """Whether some webhook is due: a read before ``claim_due`` takes a write transaction."""
    with read_factory() as s:
        due = s.scalar(select(Webhook.id).where(*_due(now or utcnow())).limit(1))
        s.commit()
    return due is not None


def claim_due(
    factory: Factory, limit: int, lease_s: float, now: datetime | None = None, skip: Collection[int] = ()
) -> list[Claim]:
    """Lease up to ``limit`` due webhooks, those served longest ago first (never-served ones first);
    ``skip``: webhooks whose turn in this process has not ended yet."""
    now = now or utcnow()
    with factory() as s:
        ids = s.scalars(
            select(Webhook.id)
            .where(*_due(now), Webhook.id.not_in(skip))
            .order_by(Webhook.lease_until.asc().nulls_first(), Webhook.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not ids:
            s.commit()
            return []
        token, until = str(uuid.uuid4()), now + timedelta(seconds=lease_s)
        rows = s.execute(
            update(Webhook)
            .where(Webhook.id.in_(ids), *_due(now))
            .values(lease_token=token, lease_until=until)
            .returning(Webhook.id, Webhook.url, Webhook.secret, Webhook.delivered_seq)
            .execution_options(synchronize_session=False)
        ).all()
        s.commit()
    return [Claim(r.id, r.url, r.secret, token, r.delivered_seq, until) for r in sorted(rows)]


def next_due_at(factory: Factory, now: datetime | None = None) -> datetime | None:
    """The soonest retry time still ahead among active webhooks (the relay sleeps until then at most)."""
    now = now or utcnow()
    with factory() as s:
        at = s.scalar(
            select(func.min(Webhook.next_attempt_at)).where(Webhook.active.is_(True), Webhook.next_attempt_at > now)
        )
        s.commit()
    return at


def pending_events(factory: Factory, after_seq: int, limit: int) -> list[OutboxEvent]:
    with factory() as s:
        events = s.scalars(
            select(OutboxEvent).where(OutboxEvent.seq > after_seq).order_by(OutboxEvent.seq).limit(limit)
        ).all()
        s.commit()
    return list(events)


def _mine(claim: Claim):
    return (
        update(Webhook)
        .where(Webhook.id == claim.webhook_id, Webhook.lease_token == claim.token)
        .execution_options(synchronize_session=False)
    )


def _log(s: Session, claim: Claim, seq: int, status: int | None, error: str | None) -> None:
    s.execute(insert(WebhookDelivery).values(webhook_id=claim.webhook_id, seq=seq, status_code=status, error=error))


def record_success(factory: Factory, claim: Claim, seq: int, status: int, lease_s: float) -> Outcome | None:
    """The receiver took event ``seq``: the cursor moves to it and the failure streak ends.

    None when the lease is lost or the webhook deleted (nothing is written then). The webhook row is
    locked by the UPDATE before the log row is added, as an admin's delete locks it first, so the log
    never points at a deleted webhook. A webhook paused while it was being called stays paused.
    """
    now = utcnow()
    until = now + timedelta(seconds=lease_s)
    with factory() as s:
        active = s.execute(
            _mine(claim)
            .where(Webhook.delivered_seq < seq)
            .values(
                delivered_seq=seq,
                attempts=0,
                failing_since=None,
                next_attempt_at=None,
                last_error=None,
                lease_until=until,
            )
            .returning(Webhook.active)
        ).scalar()
        if active is None:
            s.commit()
            return None
        _log(s, claim, seq, status, None)
        s.commit()
    return Outcome(bool(active), until)


def record_failure(
    factory: Factory, claim: Claim, seq: int, status: int | None, error: str, lease_s: float, policy: RetryPolicy
) -> Outcome | None:
    """One more failure in a row at the head event: its next attempt is scheduled by ``policy``, and the
    webhook is paused when the streak is long enough. None when the lease is lost or the webhook deleted."""
    now = utcnow()
    until = now + timedelta(seconds=lease_s)
    with factory() as s:
        row = s.execute(
            _mine(claim)
            .values(
                attempts=Webhook.attempts + 1,
                last_error=error,
                lease_until=until,
                failing_since=func.coalesce(Webhook.failing_since, literal(now, UTCDateTime())),
            )
            .returning(Webhook.attempts, Webhook.failing_since, Webhook.active)
        ).first()
        if row is None:
            s.commit()
            return None
        failures, since, active = row
        retry_at = now + timedelta(seconds=policy.delay_s(failures))
        pause = active and policy.pauses(failures, (now - since).total_seconds())
        s.execute(_mine(claim).values(next_attempt_at=retry_at, **({"active": False} if pause else {})))
        _log(s, claim, seq, status, error)
        s.commit()
    return Outcome(bool(active) and not pause, until)


def release(factory: Factory, claim: Claim) -> None:
    """End the lease; ``lease_until`` stays as the end of this turn, so others are served before it again."""
    with factory() as s:
        s.execute(_mine(claim).values(lease_token=None, lease_until=utcnow()))
        s.commit()
