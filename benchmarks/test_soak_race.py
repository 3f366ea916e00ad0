"""The last unit contested by many processes: exactly one order gets it, every other one is backordered.

One live server per backend, on a fresh copy of the generated world. Each round the
parent creates a SKU with exactly one unit on hand (one receipt, one location of the
main warehouse); ``WMS_SOAK_RACE_CLIENTS`` client processes (16), started once and
each holding an open keep-alive connection, wait at a barrier and then each push a
paid order for that one unit. Checked after every round, in the answers and in the
database: exactly one order allocated the unit, every other one is ``ready`` with
the line backordered and an ``out_of_stock`` problem, the unit is reserved once
(reserved ≤ on hand, never negative), the ledger agrees with stock, and no call
got a 5xx or no answer.

    python -m pytest benchmarks/test_soak_race.py -q -s
    WMS_SOAK_RACE_ROUNDS=5 python -m pytest benchmarks/test_soak_race.py -q -s -k postgresql
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from benchmarks.conftest import Templates
from benchmarks.generate import location_code
from benchmarks.soak import knob, load, pct, report, summarize
from benchmarks.soak_clients import race_client, race_sku
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from tests.live_server import live_server
from wms.auth.keys import create_key

ROUNDS = int(knob("WMS_SOAK_RACE_ROUNDS", 20))
CLIENTS = int(knob("WMS_SOAK_RACE_CLIENTS", 16))

ROUND_IN_DB = """
SELECT o.status, (SELECT coalesce(sum(sl.quantity), 0) FROM shipment_lines sl JOIN shipments sh ON sh.id = sl.shipment_id
                  WHERE sl.order_line_id = ol.id AND sh.status <> 'cancelled') AS allocated, ol.backordered,
       (SELECT count(*) FROM order_problems p WHERE p.order_id = o.id AND p.code = 'out_of_stock'
        AND p.resolved_at IS NULL) AS open_out_of_stock
FROM orders o JOIN order_lines ol ON ol.order_id = o.id
WHERE o.channel = 'soak' AND o.external_id LIKE :prefix
"""
UNIT_IN_DB = """
SELECT s.on_hand, s.reserved FROM stock s JOIN lots l ON l.id = s.lot_id JOIN items i ON i.id = l.item_id
WHERE i.sku = :sku
"""


def _stock_one_unit(admin: httpx.Client, warehouse: dict[str, Any], sku: str, r: int) -> None:
    assert admin.post("/v1/items", json={"sku": sku, "name": f"Race {r}"}).status_code == 201
    location = location_code(warehouse["layout"], r)
    receipt = {
        "warehouse": warehouse["code"],
        "reference": f"race-{r}",
        "lines": [{"sku": sku, "lot": f"{sku}-L", "expiry_date": None, "quantity": 1, "location": location}],
    }
    got = admin.post("/v1/receipts", json=receipt)
    assert got.status_code == 201, got.text


def _check_round(db: Any, tag: str, r: int, answers: list[dict[str, Any]]) -> None:
    assert [a["status"] for a in answers].count(201) == CLIENTS, [(a["status"], a["call"].code) for a in answers]
    statuses = sorted(a["order_status"] for a in answers)
    assert statuses == ["allocated"] + ["ready"] * (CLIENTS - 1), statuses
    assert all(a["problems"] == ["out_of_stock"] for a in answers if a["order_status"] == "ready")
    with db.engine.connect() as conn:
        rows = conn.execute(text(ROUND_IN_DB), {"prefix": f"race-{tag}-{r:03d}-%"}).all()
        unit = conn.execute(text(UNIT_IN_DB), {"sku": race_sku(tag, r)}).all()
    assert len(rows) == CLIENTS
    assert sorted((s, a, b, p) for s, a, b, p in rows) == sorted(
        [("allocated", 1, 0, 0)] + [("ready", 0, 1, 1)] * (CLIENTS - 1)
    ), rows
    assert unit == [(1, 1)], unit  # one unit on hand, reserved once
    assert_stock_invariants(db.engine)
    assert_reservations_consistent(db.engine)


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_last_unit_contested_by_many_processes(templates: Templates, world: dict[str, Any], backend: str) -> None:
    db = templates.fresh(backend)
    tag = uuid.uuid4().hex[:6]
    warehouse = world["warehouses"][0]
    admin_token = create_key(db.uow(), "admin")[1]
    erp_token = create_key(db.uow(), "erp")[1]
    load_before = load()
    ctx = multiprocessing.get_context("spawn")  # the server runs in a thread of this process: no fork
    barrier, results = ctx.Barrier(CLIENTS + 1), ctx.Queue()
    answers: list[dict[str, Any]] = []
    spreads: list[float] = []
    t0 = time.perf_counter()
    with (
        live_server(db.settings, db.engine) as base,
        httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60) as admin,
    ):
        procs = [
            ctx.Process(target=race_client, args=(base, erp_token, k, ROUNDS, tag, barrier, results), daemon=True)
            for k in range(CLIENTS)
        ]
        for p in procs:
            p.start()
        try:
            for r in range(ROUNDS):
                _stock_one_unit(admin, warehouse, race_sku(tag, r), r)
                barrier.wait(timeout=300)
                got = [results.get(timeout=300) for _ in range(CLIENTS)]
                spreads.append(1000 * (max(a["sent"] for a in got) - min(a["sent"] for a in got)))
                answers += got
                _check_round(db, tag, r, got)
        except BaseException:
            barrier.abort()  # the clients stop at once instead of waiting at the barrier
            raise
        finally:
            for p in procs:
                p.join(30)
                if p.is_alive():
                    p.terminate()
    elapsed = time.perf_counter() - t0
    calls = [a["call"] for a in answers]
    summary = summarize(calls)
    winners = [a["call"].ms for a in answers if a["order_status"] == "allocated"]
    report(
        f"race-{backend}",
        {
            "backend": backend,
            "rounds": ROUNDS,
            "clients": CLIENTS,
            "seconds": round(elapsed, 1),
            "orders": len(calls),
            "allocated_per_round": 1,
            "backordered_per_round": CLIENTS - 1,
            "5xx": summary["ALL"]["5xx"],
            "no_answer": summary["ALL"]["no_answer"],
            "ms_p50": summary["ALL"]["p50_ms"],
            "ms_p99": summary["ALL"]["p99_ms"],
            "winner_ms_p50": pct(winners, 50),
            "start_spread_ms_median": round(statistics.median(spreads), 1),
            "reconnects": sum(max(a["connects"] for a in answers if a["client"] == k) - 1 for k in range(CLIENTS)),
            "load_before": load_before,
            "load_after": load(),
        },
        summary,
    )
    assert summary["ALL"]["5xx"] == 0 and summary["ALL"]["no_answer"] == 0
    db.close()
