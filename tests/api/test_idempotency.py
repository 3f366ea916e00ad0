"""Idempotency-Key: same key and body = same response, nothing done twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from tests.conftest import Api, Backend, make_token
from tests.invariants import snapshot
from wms.orm import utcnow

MOVE = {
    "warehouse": "WH1",
    "sku": "A",
    "lot": "L1",
    "quantity": 2,
    "from_location": "A01-B001-L1-L",
    "to_location": "A01-B002-L1-L",
}


def _stock(admin: Api) -> None:
    admin.post(
        "/v1/receipts",
        {
            "warehouse": "WH1",
            "reference": "PO",
            "lines": [{"sku": "A", "lot": "L1", "expiry_date": None, "quantity": 10, "location": "A01-B001-L1-L"}],
        },
    )


def test_replay_returns_the_first_response_and_moves_once(admin: Api, warehouse: str, backend: Backend) -> None:
    _stock(admin)
    first = admin.client.post("/v1/stock/moves", json=MOVE, headers={**admin.headers, "Idempotency-Key": "m-1"})
    after_first = snapshot(backend.engine)
    again = admin.client.post("/v1/stock/moves", json=MOVE, headers={**admin.headers, "Idempotency-Key": "m-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert snapshot(backend.engine) == after_first
    other = admin.post("/v1/stock/moves", {**MOVE, "quantity": 3}, expect=409, key="m-1")
    assert other["error"]["code"] == "idempotency_key_reused"
    assert snapshot(backend.engine) == after_first
    admin.post("/v1/stock/moves", MOVE, key="m-2")  # a new key is a new move
    assert sum(m["delta"] for m in admin.all("/v1/stock/movements", location="A01-B002-L1-L")) == 4


def test_failed_request_does_not_use_up_the_key(admin: Api, warehouse: str) -> None:
    admin.post("/v1/stock/moves", MOVE, expect=404, key="m-1")  # lot L1 not received yet
    _stock(admin)
    admin.post("/v1/stock/moves", MOVE, expect=201, key="m-1")


def test_keys_belong_to_their_token(admin: Api, warehouse: str, backend: Backend, client) -> None:  # type: ignore[no-untyped-def]
    _stock(admin)
    other = Api(client, make_token(backend, "admin"))
    admin.post("/v1/stock/moves", MOVE, key="shared")
    other.post("/v1/stock/moves", MOVE, key="shared")
    assert sum(m["delta"] for m in admin.all("/v1/stock/movements", location="A01-B002-L1-L")) == 4


def test_expired_keys_are_forgotten_after_the_ttl(admin: Api, warehouse: str, backend: Backend) -> None:
    _stock(admin)
    admin.post("/v1/stock/moves", MOVE, key="old")
    with backend.engine.begin() as conn:
        conn.execute(
            text("UPDATE idempotency_keys SET created_at = :t"),
            {"t": (utcnow() - timedelta(hours=backend.settings.idempotency_ttl_hours + 1)).replace(tzinfo=None)},
        )
    admin.post("/v1/stock/moves", MOVE, key="old")
    assert sum(m["delta"] for m in admin.all("/v1/stock/movements", location="A01-B002-L1-L")) == 4


def test_key_is_kept_at_least_a_day(admin: Api, warehouse: str, backend: Backend) -> None:
    _stock(admin)
    admin.post("/v1/stock/moves", MOVE, key="recent")
    with backend.engine.begin() as conn:
        conn.execute(
            text("UPDATE idempotency_keys SET created_at = :t"),
            {"t": (utcnow() - timedelta(hours=23, minutes=59)).replace(tzinfo=None)},
        )
    admin.post("/v1/stock/moves", MOVE, key="recent")
    assert sum(m["delta"] for m in admin.all("/v1/stock/movements", location="A01-B002-L1-L")) == 2


def test_oversized_key_is_refused(admin: Api, warehouse: str) -> None:
    _stock(admin)
    admin.post("/v1/stock/moves", MOVE, expect=400, key="k" * 256)
