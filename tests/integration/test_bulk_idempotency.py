"""The same request sent twice at once with one Idempotency-Key: the second gets the first answer or a 409.

A bulk push: never a 200 in which every order is an error (each order of the second push ran into the key
the first one holds). A wave: never a 500 (the second request's wave ran into the first's request_ref).
Nothing is done twice.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import text

from tests.api.orders_helpers import order_body
from tests.conftest import SMALL_LAYOUT, Backend, make_token
from tests.live_server import live_server

ORDERS = 30
ROUNDS = 3


def _post_twice(base: str, token: str, key: str, path: str, body: dict) -> list[httpx.Response]:
    barrier = threading.Barrier(2)

    def push(_: int) -> httpx.Response:
        with httpx.Client(
            base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        ) as c:
            c.get("/healthz")
            barrier.wait()
            return c.post(path, json=body)

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(push, range(2)))


def test_a_concurrent_duplicate_bulk_push_gets_the_first_answer_or_a_409(backend: Backend) -> None:
    token = make_token(backend, "admin")
    with live_server(backend.settings, backend.engine) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
            assert c.post("/v1/items", json={"sku": "A", "name": "a"}).status_code == 201
        for round_ in range(ROUNDS):
            body = {"orders": [order_body(("A", 1), external_id=f"R{round_}-{n}", paid=False) for n in range(ORDERS)]}
            responses = _post_twice(base, token, f"bulk-{round_}", "/v1/orders/bulk", body)
            ok = [r for r in responses if r.status_code == 200]
            assert ok, [r.text for r in responses]
            first = ok[0].json()
            assert first["created"] == ORDERS and first["errors"] == 0, first
            for r in responses:
                if r.status_code == 409:
                    assert r.json()["error"]["code"] == "idempotency_in_progress", r.text
                else:
                    assert r.status_code == 200 and r.json() == first, r.text
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"bulk-{round_}"}
            ) as c:
                again = c.post("/v1/orders/bulk", json=body)  # once the first is done: its answer
            assert again.status_code == 200 and again.json() == first
            assert again.headers["Idempotent-Replayed"] == "true"
    with backend.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM orders")).scalar() == ORDERS * ROUNDS


def test_the_same_wave_request_twice_at_once_starts_one_wave(backend: Backend) -> None:
    token = make_token(backend, "admin")
    with live_server(backend.settings, backend.engine) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
            assert (
                c.post("/v1/warehouses", json={"code": "WH1", "name": "w", "layout": SMALL_LAYOUT}).status_code == 201
            )
            assert c.post("/v1/items", json={"sku": "A", "name": "a"}).status_code == 201
            line = {"sku": "A", "lot": "L1", "expiry_date": None, "quantity": 50, "location": "A01-B001-L1-L"}
            assert (
                c.post("/v1/receipts", json={"warehouse": "WH1", "reference": "R", "lines": [line]}).status_code == 201
            )
        for round_ in range(ROUNDS):
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
                for n in range(3):
                    assert c.post("/v1/orders", json=order_body(("A", 1), customer=f"C{round_}{n}")).status_code == 201
            responses = _post_twice(base, token, f"wave-{round_}", "/v1/waves", {"warehouse": "WH1", "cart": {}})
            statuses = sorted(r.status_code for r in responses)
            assert statuses[0] in (201, 409) and statuses[1] in (201, 409), [r.text for r in responses]
            for r in responses:
                if r.status_code == 409:
                    # nothing_to_plan: the duplicate looked for a wave of its key just before the first committed
                    # it, and for orders just after (wms.picking.waves.start_wave); still nothing done twice
                    assert r.json()["error"]["code"] in ("idempotency_in_progress", "nothing_to_plan"), r.text
            assert 201 in statuses
    with backend.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM waves")).scalar() == ROUNDS
