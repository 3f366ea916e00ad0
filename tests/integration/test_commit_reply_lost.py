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
    """A resumable route (a bulk push), whose answer is stored after its work."""
    bulk = {"orders": [order_body(("A", 1), external_id="LOST-1")]}
    headers = {**admin.headers, "Idempotency-Key": "lost-1"}
    r = admin.client.post("/v1/orders/bulk", json=bulk, headers=headers)
    assert r.status_code == 503 and r.json()["error"]["code"] == "outcome_unknown", r.text
    assert int(r.headers["Retry-After"]) > 0
    with backend.engine.connect() as conn:  # here the commit went through
        assert conn.execute(text("SELECT count(*) FROM orders WHERE external_id = 'LOST-1'")).scalar_one() == 1
    busy = admin.client.post("/v1/orders/bulk", json=bulk, headers=headers)  # the first attempt's lease still runs
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "idempotency_in_progress"
    _expire_leases(backend)
    again = admin.client.post("/v1/orders/bulk", json=bulk, headers=headers)
    assert again.status_code == 200 and [e["result"] for e in again.json()["results"]] == ["existing"]  # once
    assert len(admin.all("/v1/orders", external_id="LOST-1")) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_pushed_order_whose_commit_reply_was_lost_is_answered_from_its_key(
    admin: Api, warehouse: str, backend: Backend, reply_of_next_order_commit_lost: None
) -> None:
    """``POST /v1/orders`` is atomic: its answer commits with the order, so a lost reply is answered at once."""
    body = order_body(("A", 1), external_id="LOST-2")
    headers = {**admin.headers, "Idempotency-Key": "lost-2"}
    r = admin.client.post("/v1/orders", json=body, headers=headers)
    assert r.status_code == 201 and r.json()["external_id"] == "LOST-2", r.text
    again = admin.client.post("/v1/orders", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == r.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(admin.all("/v1/orders", external_id="LOST-2")) == 1


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


def test_a_push_whose_answer_could_not_be_read_is_undone_with_it(
    admin: Api, warehouse: str, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer of ``POST /v1/orders`` is read in the push's own transaction: the database going away then
    rolls the push back, so the answer says nothing was done, and nothing was."""
    monkeypatch.setattr(orders_router.order_views, "order_detail", lambda *_: (_ for _ in ()).throw(_database_gone()))
    r = admin.client.post("/v1/orders", json=order_body(("A", 1), external_id="R-1"), headers=admin.headers)
    assert r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable", r.text
    assert int(r.headers["Retry-After"]) > 0
    assert admin.all("/v1/orders") == []


def test_a_request_that_committed_nothing_is_still_database_unavailable(
    admin: Api, warehouse: str, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def gone(*_: object, **__: object) -> object:
        raise _database_gone()

    monkeypatch.setattr(orders_router.services, "push_order_then", gone)
    r = admin.client.post("/v1/orders", json=order_body(("A", 1), external_id="N-1"), headers=admin.headers)
    assert r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable", r.text
    assert admin.all("/v1/orders") == []
