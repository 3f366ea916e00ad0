"""Stored Idempotency-Keys with the response they produced."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wms.orm import Base, BigId, UTCDateTime, utcnow


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))  # hash of the caller's token
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(500))  # the response's Location header, if it had one
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the request's lease on the key
    attempt: Mapped[int] = mapped_column(default=1, server_default="1")  # +1 each time a retry takes it over
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
