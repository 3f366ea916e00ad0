"""The outbox and the webhooks it is delivered to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wms.orm import Base, BigId, UTCDateTime, utcnow


class OutboxEvent(Base):
    """One event; ``seq`` is gapless and in commit order, so ``?after=seq`` never skips one."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxCounter(Base):
    """A single row; taking the next ``seq`` locks it until commit."""

    __tablename__ = "outbox_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int]


class Webhook(Base):
    """A receiver and where its delivery stands.

    The head event is the first after ``delivered_seq``; ``attempts``, ``failing_since`` and
    ``next_attempt_at`` are its failure streak and retry time (all cleared by a success). A relay delivers
    only while it holds the lease (``lease_token`` until ``lease_until``), so one event is in flight at a time.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    delivered_seq: Mapped[int] = mapped_column(default=0)  # every event up to here has been delivered
    attempts: Mapped[int] = mapped_column(default=0)  # failed attempts in a row at the head event
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the first failure of that streak
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_token: Mapped[str | None] = mapped_column(String(36))  # the relay delivering to it now
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its lease ends; then: last turn ended
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """A log of delivery attempts (the cursor on ``webhooks`` is the truth)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    seq: Mapped[int]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
