"""A large bulk push as one background job against the same orders in synchronous calls, on PostgreSQL.

    WMS_BENCH_ORDERS=10000 python -m pytest benchmarks/test_bench_bulk_job.py -q -s --benchmark-only

The generated orders (``WMS_BENCH_ORDERS``; the world's stock is sized for them) go into a fresh copy of
the generated world, once per contender and round (``WMS_BENCH_ROUNDS``, default 1), interleaved:

* ``sync_calls``: ``POST /v1/orders/bulk`` through the app in process, 1,000 orders a call, 200 each;
* ``one_job``: one ``POST /v1/orders/bulk`` of all of them (202), its job run by the app's in-process
  worker, polled every 50 ms until ``done``: the clock stops when the job is done.

Printed: orders/s per contender and round, and the job's share of the time spent before its 202.
"""

from __future__ import annotations

import os
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from benchmarks.conftest import Database, Templates
from wms.api.app import create_app
from wms.auth.keys import create_key
from wms.orders.commands import MAX_BULK_ORDERS

ROUNDS = int(os.environ.get("WMS_BENCH_ROUNDS", "1"))
SYNC_BATCH = 1000


def _client(db: Database) -> tuple[TestClient, dict[str, str]]:
    settings = db.settings.model_copy(update={"bulk_sync_max_orders": SYNC_BATCH, "wave_sweep_interval_s": 0})
    return TestClient(create_app(settings, db.engine)), {"Authorization": f"Bearer {create_key(db.uow(), 'erp')[1]}"}


def _sync_calls(db: Database, bodies: list[dict[str, Any]]) -> dict[str, float]:
    client, headers = _client(db)
    with client:
        for i in range(0, len(bodies), SYNC_BATCH):
            r = client.post("/v1/orders/bulk", json={"orders": bodies[i : i + SYNC_BATCH]}, headers=headers)
            assert r.status_code == 200 and r.json()["errors"] == 0, r.text[:500]
    return {}


def _one_job(db: Database, bodies: list[dict[str, Any]]) -> dict[str, float]:
    client, headers = _client(db)
    with client:
        t0 = time.perf_counter()
        r = client.post("/v1/orders/bulk", json={"orders": bodies}, headers=headers)
        accepted = time.perf_counter() - t0
        assert r.status_code == 202, r.text[:500]
        while (job := client.get(r.headers["Location"], headers=headers).json())["status"] in ("queued", "running"):
            time.sleep(0.05)
        assert job["status"] == "done" and job["errors"] == 0, str(job)[:500]
    return {"accepted_s": accepted}


CONTENDERS = {"sync_calls": _sync_calls, "one_job": _one_job}


def test_bulk_job_against_sync_calls(benchmark: Any, templates: Templates, orders: list[dict[str, Any]]) -> None:
    bodies = orders[:MAX_BULK_ORDERS]
    rates: dict[str, list[float]] = {k: [] for k in CONTENDERS}
    extra: dict[str, list[float]] = {"accepted_s": []}
    allocated: dict[str, int] = {}

    def run_all() -> None:
        for _ in range(ROUNDS):
            for name, fn in CONTENDERS.items():
                db = templates.fresh("postgresql")
                t0 = time.perf_counter()
                seen = fn(db, bodies)
                rates[name].append(len(bodies) / (time.perf_counter() - t0))
                for k, v in seen.items():
                    extra[k].append(v)
                with db.engine.connect() as conn:
                    allocated[name] = int(
                        conn.execute(text("SELECT count(*) FROM orders WHERE status = 'allocated'")).scalar_one()
                    )
                db.close()

    benchmark.pedantic(run_all, rounds=1, iterations=1)
    print(f"\n{len(bodies)} orders on PostgreSQL, {ROUNDS} round(s) interleaved, load {os.getloadavg()[0]:.2f}")
    for name, each in rates.items():
        print(f"{name:12} orders/s {', '.join(f'{r:.0f}' for r in each):>20}   allocated {allocated[name]}")
    print(f"the job's 202 came after {', '.join(f'{s:.2f}' for s in extra['accepted_s'])} s")
    benchmark.extra_info.update(
        {
            "orders": len(bodies),
            "orders_per_s": {k: [round(r, 1) for r in v] for k, v in rates.items()},
            "accepted_s": [round(s, 2) for s in extra["accepted_s"]],
            "allocated": allocated,
        }
    )
    assert allocated["one_job"] == allocated["sync_calls"]  # the same outcome
