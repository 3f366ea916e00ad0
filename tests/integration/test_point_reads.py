"""The guard's token read (``wms.db.point_reads``): on PostgreSQL one statement outside any transaction, on
SQLite a read-only transaction; either way the pooled connection goes back to the next user as it was, so a
unit of work that takes it next still runs in one transaction that it can roll back."""

from __future__ import annotations

from sqlalchemy import Connection, select, text

from tests.conftest import Backend
from wms.auth.keys import authenticate, create_key
from wms.db import make_session_factory, point_reads
from wms.inventory.orm import Warehouse


def _in_transaction(conn: Connection) -> bool:
    raw = conn.connection.dbapi_connection
    if hasattr(raw, "info"):  # psycopg
        return raw.info.transaction_status.name != "IDLE"
    return raw.in_transaction  # sqlite3


def test_a_point_read_opens_no_transaction_on_postgresql_and_leaves_the_pool_as_it_was(backend: Backend) -> None:
    key, token = create_key(backend.uow(), "picker")
    connect = point_reads(backend.engine)
    with connect() as conn:
        principal = authenticate(conn, token)
        open_after_read = _in_transaction(conn)
    assert principal is not None and principal.key_id == key.id and principal.role == "picker"
    assert open_after_read == (backend.name == "sqlite")  # PostgreSQL: autocommit, nothing to end
    with connect() as conn:
        assert authenticate(conn, "wms_not-a-token") is None

    # the pool hands out the same connections again: writing work is transactional as before
    engine = backend.engine
    engine.pool.dispose()  # one connection in the pool from here on, the one the point reads use
    with connect() as conn:
        authenticate(conn, token)
    factory = make_session_factory(engine)
    with factory() as s:
        s.add(Warehouse(code="PR1", name="point reads", layout={}))
        s.flush()
        assert _in_transaction(s.connection())
        s.rollback()
    with factory() as s:
        assert s.scalar(select(Warehouse.id).where(Warehouse.code == "PR1")) is None
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        assert _in_transaction(conn)  # autobegin, not autocommit
