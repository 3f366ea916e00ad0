"""The event feed ERPs poll: events in commit order after a sequence number."""

from __future__ import annotations

from sqlalchemy import func, select

from wms.db import UnitOfWork
from wms.events.orm import OutboxEvent
from wms.events.relay import event_body


def events_after(uow: UnitOfWork, after: int, limit: int) -> tuple[list[tuple[int, dict[str, object]]], int]:
    """Up to ``limit + 1`` events with ``seq > after`` as (seq, body) (one more tells a page has a next),
    and the newest ``seq`` there is (0 without events)."""

    def work(u: UnitOfWork) -> tuple[list[tuple[int, dict[str, object]]], int]:
        rows = u.session.scalars(
            select(OutboxEvent).where(OutboxEvent.seq > after).order_by(OutboxEvent.seq).limit(limit + 1)
        ).all()
        last = u.session.scalar(select(func.coalesce(func.max(OutboxEvent.seq), 0))) or 0
        return [(e.seq, event_body(e)) for e in rows], int(last)

    return uow.run(work, read_only=True)
