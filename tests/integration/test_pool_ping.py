"""Pooled PostgreSQL connections are pinged before use only after resting (``wms.db._ping_when_idle``): a
connection that served a moment ago goes straight to work, one that rested is checked, and one that died
while resting is replaced without the caller noticing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import Backend
from wms import db
from wms.db import make_engine


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # SQLite connections are files, never cut
def test_only_a_rested_connection_is_pinged_and_a_dead_one_is_replaced(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(backend.settings)
    pings: list[int] = []
    real_ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    clock = [1000.0]
    monkeypatch.setattr(db.time, "monotonic", lambda: clock[0])
    try:
        with engine.connect() as conn:  # a new connection: it just rested 0 s
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as conn:  # back a moment later: no ping
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
        assert pings == []
        clock[0] += 5  # rested longer than PING_AFTER_IDLE_S: pinged, and it answers
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
        assert pings == [1]
        with backend.engine.connect() as admin:  # the server drops it while it rests
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.commit()
        clock[0] += 5
        with engine.connect() as conn:  # the ping fails: another connection, and the caller never knows
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
        assert len(pings) >= 2
    finally:
        engine.dispose()
