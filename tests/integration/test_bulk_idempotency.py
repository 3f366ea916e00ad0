"""The same bulk push sent twice at once with one Idempotency-Key: the second gets the first answer or a 409.

Never a 200 in which every order is an error (each order of the second push ran into the key the first
one holds), and never anything done twice.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import text

from tests.api.orders_helpers import order_body
from tests.conftest import Backend, make_token
from tests.live_server import live_server

ORDERS = 30
ROUNDS = 3


def _push_twice(base: str, token: str, key: str, body: dict) -> list[httpx.Response]:
    barrier = threading.Barrier(2)

    def push(_: int) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=120,
                          headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key}) as c:
            c.get("/healthz")
            barrier.wait()
            return c.post("/v1/orders/bulk", json=body)

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(push, range(2)))


def test_a_concurrent_duplicate_bulk_push_gets_the_first_answer_or_a_409(backend: Backend) -> None:
    token = make_token(backend, "admin")
    with live_server(backend.settings, backend.engine) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            assert c.post("/v1/items", json={"sku": "A", "name": "a"}).status_code == 201
        for round_ in range(ROUNDS):
            body = {"orders": [order_body(("A", 1), external_id=f"R{round_}-{n}", paid=False) for n in range(ORDERS)]}
            responses = _push_twice(base, token, f"bulk-{round_}", body)
            ok = [r for r in responses if r.status_code == 200]
            assert ok, [r.text for r in responses]
            first = ok[0].json()
            assert first["created"] == ORDERS and first["errors"] == 0, first
            for r in responses:
                if r.status_code == 409:
                    assert r.json()["error"]["code"] == "idempotency_in_progress", r.text
                else:
                    assert r.status_code == 200 and r.json() == first, r.text
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}",
                                                      "Idempotency-Key": f"bulk-{round_}"}) as c:
                again = c.post("/v1/orders/bulk", json=body)  # once the first is done: its answer
            assert again.status_code == 200 and again.json() == first
            assert again.headers["Idempotent-Replayed"] == "true"
    with backend.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM orders")).scalar() == ORDERS * ROUNDS
