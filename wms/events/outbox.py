"""Writing to the outbox: events are buffered on the session and numbered at commit.

``seq`` comes from a one-row counter that is locked only for the last moment
of the transaction, so sequence numbers are gapless and in commit order and a
poller asking for ``after=N`` can never miss an event that commits later
with a smaller number.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Integer, bindparam, event, update
from sqlalchemy.orm import Session, sessionmaker

from wms.bulk import insert_numbered, insert_rows
from wms.events.catalog import EVENT_TYPES
from wms.events.orm import OutboxCounter, OutboxEvent
from wms.orm import utcnow

_KEY = "wms_outbox"
_WROTE = "wms_outbox_written"


def record(session: Session, type_: str, payload: dict[str, Any]) -> None:
    """Queue an event; it is written in this transaction when it commits.

    ``type_`` must be in ``wms.events.catalog``: an event type is documented before it is emitted.
    """
    if type_ not in EVENT_TYPES:
        raise ValueError(f"event type {type_!r} is not in wms.events.catalog; add it with its payload there")
    session.info.setdefault(_KEY, []).append((type_, payload))


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A SAVEPOINT: on an exception the block's changes are rolled back and the events it recorded are
    forgotten with them; the transaction goes on."""
    queued = len(session.info.get(_KEY, ()))
    try:
        with session.begin_nested():
            yield
    except BaseException:
        del session.info.get(_KEY, [])[queued:]
        raise


_COUNTER = OutboxCounter.__table__
_TAKE_SEQS = (  # built once (every transaction with events runs it): only the count changes
    update(_COUNTER)
    .where(_COUNTER.c.id == 1)
    .values(last_seq=_COUNTER.c.last_seq + bindparam("n", type_=Integer))
    .returning(_COUNTER.c.last_seq)
)


_TAKE_SEQS_SQL = f'UPDATE "{_COUNTER.name}" SET last_seq = last_seq + %(n)s WHERE id = 1 RETURNING last_seq AS last'


def _flush(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released (SQLAlchemy says "commit"): not yet
        return
    pending = session.info.pop(_KEY, None)
    if not pending:
        return
    session.info[_WROTE] = True
    session.flush()  # the rest of the transaction's writes first: the counter is locked for its last moment only
    now = utcnow()
    rows = [{"event_id": str(uuid.uuid4()), "type": t, "payload": p, "created_at": now} for t, p in pending]
    if session.get_bind().dialect.name == "postgresql":  # the counter and the events in one statement
        insert_numbered(session, OutboxEvent.__table__, rows, column="seq", counter=_TAKE_SEQS_SQL)
        return
    last = session.connection().execute(_TAKE_SEQS, {"n": len(pending)}).scalar_one()
    first = last - len(pending) + 1
    insert_rows(session, OutboxEvent.__table__, [{"seq": first + i, **row} for i, row in enumerate(rows)])


def _discard(session: Session, *_: object) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT rolled back: ``savepoint`` forgets its own events
        return
    session.info.pop(_KEY, None)
    session.info.pop(_WROTE, None)


def on_events_committed(factory: sessionmaker[Session], callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` after each commit of ``factory``'s sessions that wrote events (a hint for this
    process's relay; other processes find the events by polling). Returns the function that stops it."""

    def after_commit(session: Session) -> None:
        if not session.in_nested_transaction() and session.info.pop(_WROTE, False):
            callback()

    event.listen(factory, "after_commit", after_commit)
    return lambda: event.remove(factory, "after_commit", after_commit)


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_commit", _flush)
    event.listen(factory, "after_rollback", _discard)
