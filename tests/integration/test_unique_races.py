"""Twenty clients create the same thing at the same moment, through a real server with keep-alive connections.

Exactly one create wins (201); every other gets a 409 naming what exists already, never a 5xx, and no
client loses its connection. Runs on PostgreSQL (where the losers' inserts hit the unique constraints) and
on SQLite (where writers queue).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.api.orders_helpers import ADDRESS, promised
from tests.conftest import SMALL_LAYOUT, Backend, make_token
from tests.live_server import live_server

CLIENTS = 20
Body = Callable[[int], dict[str, Any]]


def _port(response: httpx.Response) -> int:
    """The client's local port: the same port means the same TCP connection."""
    return response.extensions["network_stream"].get_extra_info("client_addr")[1]


def _race(base: str, token: str, path: str, body: Body) -> list[tuple[int, dict[str, Any]]]:
    """Every client opens its connection first, then all POST at once, then each asks again on its connection."""
    barrier = threading.Barrier(CLIENTS)

    def client(n: int) -> tuple[int, dict[str, Any]]:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
            before = _port(c.get("/healthz"))
            barrier.wait()
            r = c.post(path, json=body(n))
            assert r.headers.get("connection") != "close", r.text
            after = _port(c.get("/healthz"))
            assert after == before, f"client {n} was disconnected after {r.status_code} {r.text}"
            return r.status_code, r.json()

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(client, range(CLIENTS)))


def _assert_one_created(results: list[tuple[int, dict[str, Any]]], code: str, details: dict[str, Any]) -> None:
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (CLIENTS - 1), [r for r in results if r[0] not in (201, 409)]
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == code, body
            assert body["error"]["details"] == details, body
            assert all(str(v) in body["error"]["message"] for v in details.values() if v != details.get("resource"))


def _assert_pool_clean(backend: Backend) -> None:
    assert backend.engine.pool.checkedout() == 0
    if backend.name == "postgresql":
        with backend.engine.connect() as conn:
            stuck = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%'"
                )
            ).scalar()
        assert stuck == 0


UNIQUE_CREATES: dict[str, tuple[str, Body, str, dict[str, Any]]] = {
    "sku": (
        "/v1/items",
        lambda n: {"sku": "SKU-1", "name": f"client {n}"},
        "item_exists",
        {"resource": "item", "sku": "SKU-1"},
    ),
    "barcode": (
        "/v1/items",
        lambda n: {"sku": f"SKU-{n}", "name": "n", "barcode": "4006381333931"},
        "barcode_exists",
        {"resource": "item", "barcode": "4006381333931"},
    ),
    "warehouse code": (
        "/v1/warehouses",
        lambda n: {"code": "WH9", "name": f"client {n}", "layout": SMALL_LAYOUT},
        "warehouse_exists",
        {"resource": "warehouse", "code": "WH9"},
    ),
}


@pytest.mark.parametrize("what", list(UNIQUE_CREATES))
def test_concurrent_creates_of_one_thing_give_one_201_and_409s_naming_it(backend: Backend, what: str) -> None:
    path, body, code, details = UNIQUE_CREATES[what]
    token = make_token(backend, "admin")
    with live_server(backend.settings, backend.engine) as base:
        results = _race(base, token, path, body)
    _assert_one_created(results, code, details)
    _assert_pool_clean(backend)


def test_concurrent_sets_of_one_pick_face_all_set_it(backend: Backend) -> None:
    """A pick face is set, not created: every concurrent set succeeds, as a repeat does, on one row."""
    token = make_token(backend, "admin")
    with live_server(backend.settings, backend.engine) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            assert (
                c.post("/v1/warehouses", json={"code": "WH1", "name": "w", "layout": SMALL_LAYOUT}).status_code == 201
            )
            assert c.post("/v1/items", json={"sku": "A", "name": "a"}).status_code == 201
        results = _race(
            base,
            token,
            "/v1/pick-faces",
            lambda n: {
                "warehouse": "WH1",
                "location": "A01-B001-L1-L",
                "sku": "A",
                "min_quantity": n,
                "max_quantity": 100,
            },
        )
    assert {status for status, _ in results} == {201}, results
    assert len({body["id"] for _, body in results}) == 1
    with backend.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pick_faces")).scalar() == 1
        # below its minimum from the start: one replenishment task, not one per client
        assert conn.execute(text("SELECT count(*) FROM replenishment_tasks")).scalar() == 1
    _assert_pool_clean(backend)


def test_concurrent_pushes_of_one_order_create_it_once(backend: Backend) -> None:
    token = make_token(backend, "admin")
    order = {
        "external_id": "E-1",
        "channel": "web",
        "customer_id": "c1",
        "ship_to": ADDRESS,
        "paid": False,
        "promised_ship_by": promised(3),
        "carrier": "DHL",
        "lines": [{"sku": "A", "quantity": 1}],
    }
    with live_server(backend.settings, backend.engine) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            assert c.post("/v1/items", json={"sku": "A", "name": "a"}).status_code == 201
        results = _race(base, token, "/v1/orders", lambda n: order)
    assert sorted(status for status, _ in results) == [200] * (CLIENTS - 1) + [201], results
    assert len({body["id"] for _, body in results}) == 1
    _assert_pool_clean(backend)
