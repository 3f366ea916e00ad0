"""Events and SAVEPOINTs (``wms.events.outbox.savepoint``): a block rolled back to its savepoint forgets only
the events it recorded; a released one keeps them for the transaction's commit, which writes them all,
numbered in order, at its very end. SQLAlchemy reports a savepoint's release as a "commit" and its rollback
as a "rollback": neither may write or drop the transaction's events."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import Backend
from wms.db import make_session_factory
from wms.events.orm import OutboxEvent
from wms.events.outbox import on_events_committed, record, savepoint


def test_a_rolled_back_savepoint_forgets_only_its_own_events(backend: Backend) -> None:
    factory = make_session_factory(backend.engine)
    hints: list[int] = []
    stop = on_events_committed(factory, lambda: hints.append(1))
    try:
        with factory() as s:
            before = s.scalar(select(func.count()).select_from(OutboxEvent))
            record(s, "order.status_changed", {"n": "before"})
            with pytest.raises(ValueError), savepoint(s):
                record(s, "order.status_changed", {"n": "rolled back"})
                raise ValueError
            with savepoint(s):
                record(s, "order.status_changed", {"n": "released"})
            assert s.scalar(select(func.count()).select_from(OutboxEvent)) == before  # nothing written yet
            assert hints == []
            s.commit()
        assert hints == [1]
        with factory() as s:
            rows = s.execute(select(OutboxEvent.seq, OutboxEvent.payload).order_by(OutboxEvent.seq)).all()
        written = rows[before:]
        assert [p["n"] for _, p in written] == ["before", "released"]
        assert [seq for seq, _ in written] == list(range(written[0][0], written[0][0] + 2))
    finally:
        stop()
