"""Orders pushed by several ERP clients at once through a real server: does intake scale with clients?

Each round: a fresh database with the generated world, a live uvicorn server
(one process), ``clients`` threads each pushing its share of
``WMS_BENCH_CONCURRENT_ORDERS`` orders one ``POST /v1/orders`` at a time.
Every committed order writes outbox events, and the outbox's one-row counter
is locked at commit, so concurrent order transactions queue there on
PostgreSQL; this measures what that (and everything else shared) costs.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from benchmarks.conftest import Database, Templates
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from tests.live_server import live_server
from wms.auth.keys import create_key

N = int(os.environ.get("WMS_BENCH_CONCURRENT_ORDERS", "800"))


def _push(base: str, token: str, orders: list[dict[str, Any]]) -> list[float]:
    latencies = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
        for o in orders:
            t0 = time.perf_counter()
            r = c.post("/v1/orders", json=o)
            latencies.append(time.perf_counter() - t0)
            assert r.status_code == 201, r.text
    return latencies


def _sample_waits(db: Database, waits: Counter[str], done: threading.Event) -> None:
    if db.backend != "postgresql":
        return
    with db.engine.connect() as conn:
        while not done.is_set():
            for state, event, n in conn.execute(
                text(
                    "SELECT state, coalesce(wait_event_type || ':' || wait_event, 'on CPU'), count(*) "
                    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state <> 'idle' GROUP BY 1, 2"
                )
            ):
                waits[f"{state} / {event}"] += n
            conn.rollback()
            time.sleep(0.01)


@pytest.mark.parametrize("clients", [1, 4, 8])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_intake(
    benchmark: Any, templates: Templates, orders: list[dict[str, Any]], backend: str, clients: int
) -> None:
    benchmark.group = f"concurrent intake: {N} orders over HTTP, one per request"
    info: dict[str, Any] = {"backend": backend, "clients": clients}
    batch = orders[:N]

    def setup() -> tuple[tuple, dict]:
        db = templates.fresh(backend)
        return (db, create_key(db.uow(), "erp")[1]), {}

    def target(db: Database, token: str) -> None:
        waits: Counter[str] = Counter()
        done = threading.Event()
        sampler = threading.Thread(target=_sample_waits, args=(db, waits, done), daemon=True)
        with live_server(db.settings, db.engine) as base:
            sampler.start()
            t0 = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                runs = list(pool.map(lambda k: _push(base, token, batch[k::clients]), range(clients)))
            elapsed = time.perf_counter() - t0
            done.set()
            sampler.join()
        if waits:  # what the busy PostgreSQL backends were doing, sampled every 10 ms
            total = sum(waits.values())
            info["pg_backend_states"] = {k: round(v / total, 3) for k, v in waits.most_common(6)}
        lat = sorted(x for run in runs for x in run)
        q = statistics.quantiles(lat, n=100)
        info.update(
            orders=len(lat),
            seconds=round(elapsed, 2),
            orders_per_s=round(len(lat) / elapsed, 1),
            ms_p50=round(1000 * q[49], 1),
            ms_p95=round(1000 * q[94], 1),
        )

    def teardown(db: Database, *_: Any) -> None:
        assert_stock_invariants(db.engine)
        assert_reservations_consistent(db.engine)
        with db.engine.connect() as conn:
            info["events"] = conn.execute(text("SELECT count(*) FROM outbox_events")).scalar()
            gaps = conn.execute(text("SELECT max(seq) - count(*) FROM outbox_events")).scalar()
        assert gaps == 0  # gapless under concurrency
        db.close()

    benchmark.pedantic(target, setup=setup, teardown=teardown, rounds=1, iterations=1)
    benchmark.extra_info.update(info)
    print(f"\n{info}")
    assert info["orders"] == len(batch)
