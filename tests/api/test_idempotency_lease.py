"""A request that died holding its Idempotency-Key: the key is stuck only for the lease, then a retry
runs again where that is safe, or is told the work was done where it is not; nothing is done twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from tests.api.orders_helpers import order_body
from tests.conftest import Api, Backend, make_token
from tests.invariants import snapshot
from wms.api import idempotency
from wms.api.routers import orders as orders_router
from wms.api.routers import waves as waves_router
from wms.auth.keys import hash_token
from wms.db import make_session_factory
from wms.idempotency_orm import IdempotencyRecord
from wms.orm import utcnow

MOVE = {
    "warehouse": "WH1",
    "sku": "A",
    "lot": "L1",
    "quantity": 2,
    "from_location": "A01-B001-L1-L",
    "to_location": "A01-B002-L1-L",
}


def _expire_leases(backend: Backend) -> None:
    """As if the lease ran out (without waiting for it)."""
    with backend.engine.begin() as conn:
        conn.execute(text("UPDATE idempotency_keys SET locked_until = created_at"))


def _answer_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service stops between committing the work and storing its answer (one time)."""
    real = idempotency._store

    def lost(*args: object) -> None:
        monkeypatch.setattr(idempotency, "_store", real)
        raise RuntimeError("server stopped")

    monkeypatch.setattr(idempotency, "_store", lost)


def _stock(admin: Api) -> None:
    admin.post(
        "/v1/receipts",
        {
            "warehouse": "WH1",
            "reference": "PO",
            "lines": [{"sku": "A", "lot": "L1", "expiry_date": None, "quantity": 10, "location": "A01-B001-L1-L"}],
        },
    )


def test_a_lost_answer_holds_the_key_for_the_lease_only_and_a_move_is_never_done_twice(
    admin: Api, warehouse: str, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stock(admin)
    _answer_lost(monkeypatch)
    first = admin.post("/v1/stock/moves", MOVE, key="m-1")  # the work is done and answered, the answer not kept
    done = snapshot(backend.engine)
    r = admin.client.post("/v1/stock/moves", json=MOVE, headers={**admin.headers, "Idempotency-Key": "m-1"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "idempotency_in_progress"
    assert 1 <= int(r.headers["Retry-After"]) <= backend.settings.idempotency_lease_s + 1
    _expire_leases(backend)
    lost = admin.post("/v1/stock/moves", MOVE, expect=409, key="m-1")
    assert lost["error"]["code"] == "idempotency_response_lost" and first["id"]
    assert snapshot(backend.engine) == done  # moved once


def test_a_pushed_orders_answer_commits_with_it_so_a_retry_gets_it_at_once(
    admin: Api, warehouse: str, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stock(admin)
    body = order_body(("A", 1), external_id="O-1")
    _answer_lost(monkeypatch)  # an answer stored after the work would be lost: the order's is not stored so
    created = admin.post("/v1/orders", body, key="o-1")
    replay = admin.client.post("/v1/orders", json=body, headers={**admin.headers, "Idempotency-Key": "o-1"})
    assert replay.status_code == 201 and replay.json() == created and replay.headers["Idempotent-Replayed"] == "true"
    assert len(admin.all("/v1/orders", external_id="O-1")) == 1
    pushed_again = admin.post("/v1/orders", body, expect=200, key="o-2")  # another key: the order exists
    assert pushed_again == admin.get(f"/v1/orders/{created['id']}")


def test_a_bulk_push_that_died_half_way_is_finished_by_a_retry_after_the_lease(
    admin: Api, warehouse: str, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stock(admin)
    bulk = {"orders": [order_body(("A", 1), external_id=f"B-{n}", customer=f"C{n}") for n in range(5)]}
    real, calls = orders_router.services._push_chunk, []

    def dies_at_the_third(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("server stopped")
        return real(*args, **kwargs)

    monkeypatch.setattr(orders_router.services, "CHUNK", 1)  # one transaction per order: two commit first
    monkeypatch.setattr(orders_router.services, "_push_chunk", dies_at_the_third)
    admin.post("/v1/orders/bulk", bulk, expect=500, key="bulk-1")
    assert len(admin.all("/v1/orders")) == 2
    assert admin.post("/v1/orders/bulk", bulk, expect=409, key="bulk-1")["error"]["code"] == "idempotency_in_progress"
    _expire_leases(backend)
    done = admin.post("/v1/orders/bulk", bulk, expect=200, key="bulk-1")
    assert [r["result"] for r in done["results"]] == ["existing", "existing", "created", "created", "created"]
    assert len(admin.all("/v1/orders")) == 5


def test_a_wave_request_that_died_after_starting_its_wave_gets_that_wave_on_retry(
    admin: Api, warehouse: str, backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stock(admin)
    for n in range(3):
        admin.post("/v1/orders", order_body(("A", 1), customer=f"C{n}"))
    real, calls = waves_router.wave_detail, []

    def dies_once(*args: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("server stopped")
        return real(*args)

    monkeypatch.setattr(waves_router, "wave_detail", dies_once)
    body = {"warehouse": "WH1", "cart": {"max_units": 10}}
    admin.post("/v1/waves", body, expect=500, key="wave-1")
    _expire_leases(backend)
    wave = admin.post("/v1/waves", body, expect=None, key="wave-1")
    [only] = admin.all("/v1/waves")
    assert only["id"] == wave["id"] and sorted(wave["orders"]) == sorted(o["id"] for o in admin.all("/v1/orders"))


def test_a_retry_does_not_take_over_a_key_whose_lease_was_renewed_meanwhile(
    admin: Api, warehouse: str, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slow original renewed its lease between the retry's look and its takeover: the original keeps it."""
    _stock(admin)
    _answer_lost(monkeypatch)
    admin.post("/v1/orders", order_body(("A", 1), external_id="O-2"), key="o-2")
    _expire_leases(backend)
    factory = make_session_factory(backend.engine)
    claim = idempotency.Claim(
        hash_token(admin.headers["Authorization"][7:]), "o-2", "POST", "/v1/orders", "x", timedelta(seconds=30)
    )
    with factory() as s:
        rec = s.scalars(select(IdempotencyRecord)).one()
        stale = idempotency.StaleKey(rec.id, rec.attempt, rec.created_at)
        s.execute(update(IdempotencyRecord).values(locked_until=utcnow() + timedelta(seconds=30)))  # renewed
        s.commit()
    refused = idempotency._take_over(factory, claim, stale)
    assert refused is not None and refused.status_code == 409 and not claim.claimed
    with factory() as s:
        assert s.scalars(select(IdempotencyRecord.attempt)).one() == 1


def test_a_retry_the_scope_now_refuses_hears_the_work_was_done_and_leaves_the_key(
    admin: Api, warehouse: str, backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stock(admin)
    order = admin.post("/v1/orders", order_body(("A", 1), external_id="O-3"))
    erp = Api(client, make_token(backend, "erp", "WH1"))
    _answer_lost(monkeypatch)
    erp.post(f"/v1/orders/{order['id']}/cancel", expect=200, key="c-1")  # the order is now in no warehouse
    _expire_leases(backend)
    lost = erp.post(f"/v1/orders/{order['id']}/cancel", expect=409, key="c-1")
    assert lost["error"]["code"] == "idempotency_response_lost"
    with backend.engine.connect() as conn:
        assert conn.execute(text("SELECT attempt, status_code FROM idempotency_keys")).one() == (1, None)
