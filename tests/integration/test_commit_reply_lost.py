"""The database fails after a request committed work, or after it sent COMMIT: the work may be done, so the
answer is 503 ``outcome_unknown``, not ``database_unavailable`` ("nothing was done").

Found by ``benchmarks/test_soak_outage.py`` (the database cut through a proxy under 8 clients):
now and then an order answered 503 ``database_unavailable`` ("nothing was done") exists,
because the cut fell between PostgreSQL committing it and the service reading the reply
(``psycopg.OperationalError: consuming input failed: server closed the connection
unexpectedly`` raised from ``COMMIT``). Here the same moment is made deterministic: the
commit goes through, then its reply is "lost". Such an answer is now 503
``outcome_unknown`` (the work may have been done), and a retry with the same
Idempotency-Key settles it.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from tests.api.orders_helpers import order_body
from tests.conftest import Api, Backend
from wms.api.routers import orders as orders_router

LOST = "consuming input failed: server closed the connection unexpectedly"


@pytest.fixture
def reply_of_next_order_commit_lost(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The first COMMIT of a transaction that inserted an order is carried out, then its reply is lost."""
    engine, armed, fired = backend.engine, [], []

    @event.listens_for(engine, "before_cursor_execute")
    def spot(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not fired and "INSERT INTO ORDERS " in statement.upper().replace('"', ""):  # alone or in a WITH
            armed.append(True)

    real = engine.dialect.do_commit

    def commit_then_lose_reply(dbapi_connection):  # type: ignore[no-untyped-def]
        real(dbapi_connection)
        if armed:
            armed.clear()
            fired.append(True)
            raise psycopg.OperationalError(LOST)

    monkeypatch.setattr(engine.dialect, "do_commit", commit_then_lose_reply)
    yield
    event.remove(engine, "before_cursor_execute", spot)


def _expire_leases(backend: Backend) -> None:
    with backend.engine.begin() as conn:
        conn.execute(text("UPDATE idempotency_keys SET locked_until = created_at"))


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # SQLite commits in-process: no reply to lose
def test_a_commit_whose_reply_was_lost_is_not_answered_nothing_was_done_and_a_retry_settles_it(
    admin: Api, warehouse: str, backend: Backend, reply_of_next_order_commit_lost: None
) -> None:
    body = order_body(("A", 1), external_id="LOST-1")
    headers = {**admin.headers, "Idempotency-Key": "lost-1"}
    r = admin.client.post("/v1/orders", json=body, headers=headers)
    assert r.status_code == 503 and r.json()["error"]["code"] == "outcome_unknown", r.text
    assert int(r.headers["Retry-After"]) > 0
    with backend.engine.connect() as conn:  # here the commit went through
        assert conn.execute(text("SELECT count(*) FROM orders WHERE external_id = 'LOST-1'")).scalar_one() == 1
    busy = admin.client.post("/v1/orders", json=body, headers=headers)  # the first attempt's lease still runs
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "idempotency_in_progress"
    _expire_leases(backend)
    again = admin.client.post("/v1/orders", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["external_id"] == "LOST-1"  # the order, once
    assert len(admin.all("/v1/orders", external_id="LOST-1")) == 1


def _database_gone() -> OperationalError:
    return OperationalError("SELECT 1", {}, psycopg.OperationalError("server closed the connection unexpectedly"))


def test_a_bulk_push_whose_database_went_away_half_way_is_not_answered_nothing_was_done(
    admin: Api, warehouse: str, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk = {"orders": [order_body(("A", 1), external_id=f"H-{n}", customer=f"C{n}") for n in range(4)]}
    real, calls = orders_router.services._push_chunk, []

    def gone_at_the_third(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise _database_gone()
        return real(*args, **kwargs)

    monkeypatch.setattr(orders_router.services, "CHUNK", 1)  # one transaction per order: two commit first
    monkeypatch.setattr(orders_router.services, "_push_chunk", gone_at_the_third)
    r = admin.client.post("/v1/orders/bulk", json=bulk, headers={**admin.headers, "Idempotency-Key": "half"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "outcome_unknown", r.text
    assert len(admin.all("/v1/orders")) == 2  # two were done: not "nothing was done"


def test_a_push_whose_answer_could_not_be_read_back_is_not_answered_nothing_was_done(
    admin: Api, warehouse: str, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orders_router.order_views, "order_detail", lambda *_: (_ for _ in ()).throw(_database_gone()))
    r = admin.client.post("/v1/orders", json=order_body(("A", 1), external_id="R-1"), headers=admin.headers)
    assert r.status_code == 503 and r.json()["error"]["code"] == "outcome_unknown", r.text
    assert int(r.headers["Retry-After"]) > 0


def test_a_request_that_committed_nothing_is_still_database_unavailable(
    admin: Api, warehouse: str, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def gone(*_: object, **__: object) -> object:
        raise _database_gone()

    monkeypatch.setattr(orders_router.services, "push_order", gone)
    r = admin.client.post("/v1/orders", json=order_body(("A", 1), external_id="N-1"), headers=admin.headers)
    assert r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable", r.text
    assert admin.all("/v1/orders") == []
