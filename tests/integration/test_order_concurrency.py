"""Many ERP clients pushing orders for a few hot SKUs at once, through a real server."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import text

from tests.api.orders_helpers import ADDRESS, promised
from tests.conftest import SMALL_LAYOUT, Backend, make_token
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from tests.live_server import live_server

CLIENTS = 16
ORDERS_PER_CLIENT = 12
HOT = ["HOT1", "HOT2", "HOT3"]


def _setup(c: httpx.Client) -> int:
    for wh in ("WH1", "WH2"):
        assert c.post("/v1/warehouses", json={"code": wh, "name": wh, "layout": SMALL_LAYOUT}).status_code == 201
    for sku in HOT:
        assert c.post("/v1/items", json={"sku": sku, "name": sku}).status_code == 201
    lines = [
        {
            "sku": sku,
            "lot": f"{sku}-{n}",
            "expiry_date": f"2030-0{n + 1}-01",
            "quantity": 15,
            "location": f"A0{n + 1}-B00{k + 1}-L1-L",
        }
        for k, sku in enumerate(HOT)
        for n in range(2)
    ]
    for wh in ("WH1", "WH2"):
        assert c.post("/v1/receipts", json={"warehouse": wh, "reference": "R", "lines": lines}).status_code == 201
    return 2 * len(lines) * 15


def _order(client_no: int, n: int, rng: random.Random) -> dict:
    skus = rng.sample(HOT, rng.randint(1, 3))
    return {
        "external_id": f"C{client_no}-{n}",
        "channel": "web",
        "customer_id": f"cust-{client_no}-{n}",
        "ship_to": ADDRESS,
        "paid": True,
        "promised_ship_by": promised(3),
        "carrier": "DHL",
        "lines": [{"sku": s, "quantity": rng.randint(1, 6)} for s in skus],
    }


def test_hot_skus_are_never_over_reserved(backend: Backend) -> None:
    headers = {"Authorization": f"Bearer {make_token(backend, 'erp')}"}
    admin = {"Authorization": f"Bearer {make_token(backend, 'admin')}"}
    with live_server(backend.settings, backend.engine) as base:
        with httpx.Client(base_url=base, headers=admin, timeout=120) as c:  # a loaded machine is slow
            total_stock = _setup(c)

        def run(client_no: int) -> list[tuple[int, dict]]:
            rng = random.Random(client_no)
            out = []
            with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
                for n in range(ORDERS_PER_CLIENT):
                    body = _order(client_no, n, rng)
                    r = c.post("/v1/orders", json=body)
                    out.append((r.status_code, r.json()))
                    if n % 4 == 0:  # the ERP retries: the same order again, concurrently with others
                        again = c.post("/v1/orders", json=body)
                        assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
            return out

        with ThreadPoolExecutor(CLIENTS) as pool:
            results = [r for run_ in pool.map(run, range(CLIENTS)) for r in run_]
    assert {status for status, _ in results} == {201}
    orders = [body for _, body in results]
    assert len({o["id"] for o in orders}) == CLIENTS * ORDERS_PER_CLIENT
    with backend.engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT status, count(*) FROM orders GROUP BY status")).all())
        reserved, on_hand = conn.execute(text("SELECT sum(reserved), sum(on_hand) FROM stock")).one()
        wanted = conn.execute(text("SELECT sum(quantity) FROM order_lines")).scalar()
        backordered = conn.execute(text("SELECT sum(backordered) FROM order_lines")).scalar()
    assert sum(statuses.values()) == CLIENTS * ORDERS_PER_CLIENT
    assert set(statuses) <= {"allocated", "ready"}  # ready = partly backordered, flagged out of stock
    assert on_hand == total_stock and reserved <= on_hand
    assert wanted > total_stock and reserved + backordered == wanted  # demand exceeded stock: all of it went
    assert reserved == total_stock  # nothing usable was left unreserved while orders were short
    assert_reservations_consistent(backend.engine)
    assert_stock_invariants(backend.engine)
