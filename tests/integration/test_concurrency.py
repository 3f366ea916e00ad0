"""Many clients moving and adjusting the same stock at once, through a real server.

Runs on PostgreSQL (the production database) and on SQLite (one server).
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import text

from tests.conftest import SMALL_LAYOUT, Backend, make_token
from tests.invariants import assert_stock_invariants
from tests.live_server import live_server

CLIENTS = 16
OPS_PER_CLIENT = 25
SPOTS = ["A01-B001-L1-L", "A02-B005-L1-R", "A03-B015-L1-L"]


def _setup(base: str, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=60) as c:  # httpx's 5 s default: a busy CI box
        assert c.post("/v1/warehouses", json={"code": "WH1", "name": "w", "layout": SMALL_LAYOUT}).status_code == 201
        assert c.post("/v1/items", json={"sku": "HOT", "name": "hot"}).status_code == 201
        lines = [
            {"sku": "HOT", "lot": lot, "expiry_date": None, "quantity": 40, "location": loc}
            for loc in SPOTS
            for lot in ("L1", "L2")
        ]
        assert c.post("/v1/receipts", json={"warehouse": "WH1", "reference": "R", "lines": lines}).status_code == 201


def _client_run(base: str, headers: dict[str, str], seed: int) -> list[tuple[int, dict]]:
    rng = random.Random(seed)
    results = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
        for _ in range(OPS_PER_CLIENT):
            lot = rng.choice(["L1", "L2"])
            if rng.random() < 0.6:
                src, dst = rng.sample(SPOTS, 2)
                r = c.post(
                    "/v1/stock/moves",
                    json={
                        "warehouse": "WH1",
                        "sku": "HOT",
                        "lot": lot,
                        "quantity": rng.randint(1, 25),
                        "from_location": src,
                        "to_location": dst,
                    },
                )
            else:
                delta = rng.choice([-1, -1, 1]) * rng.randint(1, 15)
                r = c.post(
                    "/v1/stock/adjustments",
                    json={
                        "warehouse": "WH1",
                        "location": rng.choice(SPOTS),
                        "sku": "HOT",
                        "lot": lot,
                        "delta": delta,
                        "reason": "lost" if delta < 0 else "found",
                    },
                )
            results.append((r.status_code, r.json()))
    return results


def test_concurrent_moves_and_adjustments_never_lose_or_make_stock(backend: Backend) -> None:
    headers = {"Authorization": f"Bearer {make_token(backend, 'admin')}"}
    with live_server(backend.settings, backend.engine) as base:
        _setup(base, headers)
        with ThreadPoolExecutor(CLIENTS) as pool:
            runs = list(pool.map(lambda i: _client_run(base, headers, i), range(CLIENTS)))
    results = [r for run in runs for r in run]
    statuses = {status for status, _ in results}
    assert statuses <= {201, 409}, statuses  # never a 5xx, never a lost request
    done = [body for status, body in results if status == 201]
    refused = [body for status, body in results if status == 409]
    assert done and refused  # the stock really ran short under contention
    assert {b["error"]["code"] for b in refused} == {"insufficient_stock"}
    adjusted = sum(m["delta"] for b in done if b["kind"] == "adjustment" for m in b["movements"])
    with backend.engine.connect() as conn:
        on_hand = conn.execute(text("SELECT sum(on_hand) FROM stock")).scalar()
        ledger_ids = set(conn.execute(text("SELECT id FROM stock_movements")).scalars())
    assert on_hand == 6 * 40 + adjusted
    returned_ids = {m["id"] for b in done for m in b["movements"]}
    assert returned_ids <= ledger_ids and len(ledger_ids) == len(returned_ids) + 6  # + the 6 receipt rows
    assert_stock_invariants(backend.engine)


def test_concurrent_retries_with_one_idempotency_key_move_once(backend: Backend) -> None:
    headers = {"Authorization": f"Bearer {make_token(backend, 'admin')}"}
    move = {
        "warehouse": "WH1",
        "sku": "HOT",
        "lot": "L1",
        "quantity": 5,
        "from_location": SPOTS[0],
        "to_location": SPOTS[1],
    }
    with live_server(backend.settings, backend.engine) as base:
        _setup(base, headers)

        def send(_: int) -> httpx.Response:
            with httpx.Client(base_url=base, headers={**headers, "Idempotency-Key": "same"}, timeout=60) as c:
                return c.post("/v1/stock/moves", json=move)

        with ThreadPoolExecutor(CLIENTS) as pool:
            responses = list(pool.map(send, range(CLIENTS)))
    ok = [r for r in responses if r.status_code == 201]
    assert ok and all(r.status_code in (201, 409) for r in responses)
    assert len({r.text for r in ok}) == 1  # every success is the same response
    assert all(r.json()["error"]["code"] == "idempotency_in_progress" for r in responses if r.status_code == 409)
    with backend.engine.connect() as conn:
        moves = conn.execute(text("SELECT count(*) FROM stock_operations WHERE kind = 'move'")).scalar()
    assert moves == 1
    assert_stock_invariants(backend.engine)
