"""Events are numbered gapless and in commit order, whatever the number of writers at once: on PostgreSQL
the counter and the events go in one statement (a data-modifying ``WITH``), on SQLite in two."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from tests.conftest import Backend
from wms.db import make_session_factory
from wms.events.orm import OutboxEvent
from wms.events.outbox import record

WRITERS, TRANSACTIONS = 8, 15


def test_events_of_concurrent_transactions_are_numbered_without_gaps_each_transactions_together(
    backend: Backend,
) -> None:
    factory = make_session_factory(backend.engine)
    with factory() as s:
        before = list(s.scalars(select(OutboxEvent.seq)))

    def write(writer: int) -> None:
        for t in range(TRANSACTIONS):
            with factory() as s:
                for n in range(1 + (writer + t) % 3):
                    record(s, "order.status_changed", {"writer": writer, "t": t, "n": n})
                s.commit()

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))
    with factory() as s:
        rows = s.execute(select(OutboxEvent.seq, OutboxEvent.payload, OutboxEvent.event_id).order_by(OutboxEvent.seq))
        rows = [r for r in rows if r.seq not in before]
    expected = sum(1 + (w + t) % 3 for w in range(WRITERS) for t in range(TRANSACTIONS))
    first = max(before, default=0) + 1
    assert [r.seq for r in rows] == list(range(first, first + expected))
    assert len({r.event_id for r in rows}) == expected
    # each transaction's events are consecutive, in the order recorded
    keys = [(r.payload["writer"], r.payload["t"], r.payload["n"]) for r in rows]
    starts = [k[:2] for k in keys if k[2] == 0]
    assert len(set(starts)) == len(starts) == WRITERS * TRANSACTIONS
    for before_it, it in zip(keys, keys[1:], strict=False):
        if it[2] > 0:
            assert before_it == (it[0], it[1], it[2] - 1)
