"""A mixed soak on hot SKUs: ERPs, a planner, pickers, a packer, stock clerks and readers at once on PostgreSQL.

A fresh copy of the generated world plus a warehouse ``HOT`` with ``WMS_SOAK_HOT_SKUS`` (8)
SKUs of Zipf(1) popularity stocked at 3 locations each. A live server, then 32 client
processes, each on its own keep-alive connection, released together for
``WMS_SOAK_MIXED_S`` (60) seconds:

* 10 ERPs push orders of 1-3 hot SKUs (5 % unpaid; some paid later by message, 4 % of
  their calls cancel an earlier order);
* 1 planner starts a wave every ``WMS_SOAK_WAVE_INTERVAL_S`` (3) s (at most 30 orders, carts
  of 20 units) and meanwhile resolves out-of-stock problems (allocation again);
* 8 pickers claim, confirm (``WMS_SOAK_SHORT_SHARE`` (0.06) of stops short: nothing found,
  or one unit damaged) and deliver; 1 packer packs and ships;
* 2 stock clerks receive, move and adjust the hot SKUs and count the locations short picks
  asked to count;
* 10 readers list stock, orders, shipments and problems and open orders.

Reported: per operation and overall count, p50/p99, 4xx by code, 5xx (must be 0), calls
without an answer and reconnects (must be 0), deadlocks from ``pg_stat_database``
(delta over the run), what PostgreSQL's busy backends waited on; afterwards the stock,
reservation and outbox invariants, and every order answered 201/200 exists once.

    python -m pytest benchmarks/test_soak_mixed.py -q -s
    WMS_SOAK_MIXED_S=20 python -m pytest benchmarks/test_soak_mixed.py -q -s
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import Engine, text

from benchmarks.conftest import Templates
from benchmarks.generate import location_code, zipf_weights
from benchmarks.soak import knob, load, report, summarize
from benchmarks.soak_roles import run_role
from benchmarks.test_bench_concurrent_intake import _sample_waits
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from tests.live_server import live_server
from wms.auth.keys import create_key
from wms.db import make_engine

DURATION_S = knob("WMS_SOAK_MIXED_S", 60.0)
HOT_SKUS = int(knob("WMS_SOAK_HOT_SKUS", 8))
WAVE_INTERVAL_S = knob("WMS_SOAK_WAVE_INTERVAL_S", 3.0)
SHORT_SHARE = knob("WMS_SOAK_SHORT_SHARE", 0.06)
THINK_S = knob("WMS_SOAK_THINK_S", 0.05)
MIX = {"erp": 10, "planner": 1, "picker": 8, "packer": 1, "clerk": 2, "reader": 10}
LAYOUT = {
    "aisles": 6,
    "aisle_pitch_m": 3,
    "blocks": 1,
    "bays_per_block": 20,
    "bay_width_m": 1,
    "cross_aisle_width_m": 2,
    "levels": 2,
    "depot_x_m": 0,
}
UNITS = 1200  # hot stock at the start, split by popularity


def _hot_warehouse(base: str, admin: str, tag: str) -> dict[str, Any]:
    skus = [f"HOT-{tag}-{n:02d}" for n in range(HOT_SKUS)]
    weights = [float(w) for w in zipf_weights(HOT_SKUS)]
    locations = [location_code(LAYOUT, 7 * n + 3) for n in range(3 * HOT_SKUS)]
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=60) as c:
        assert c.post("/v1/warehouses", json={"code": "HOT", "name": "Hot", "layout": LAYOUT}).status_code == 201
        lines = []
        for n, (sku, w) in enumerate(zip(skus, weights, strict=True)):
            assert c.post("/v1/items", json={"sku": sku, "name": f"Hot {n}"}).status_code == 201
            for j in range(3):
                lines.append(
                    {
                        "sku": sku,
                        "lot": f"{sku}-L{j}",
                        "expiry_date": None,
                        "quantity": max(5, round(UNITS * w / 3)),
                        "location": locations[3 * n + j],
                    }
                )
        got = c.post("/v1/receipts", json={"warehouse": "HOT", "reference": f"hot-{tag}", "lines": lines})
        assert got.status_code == 201, got.text
    return {
        "tag": tag,
        "warehouse": "HOT",
        "skus": skus,
        "weights": weights,
        "locations": locations,
        "wave_interval_s": WAVE_INTERVAL_S,
        "wave_orders": 30,
        "cart_units": 20,
        "short_share": SHORT_SHARE,
        "think_s": THINK_S,
    }


def _deadlocks(engine: Engine) -> int:
    """Deadlocks detected in this database so far, from pg_stat_database."""
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        return conn.execute(text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")).scalar()


def test_mixed_soak_on_hot_skus(templates: Templates) -> None:
    db = templates.fresh("postgresql")
    tag = uuid.uuid4().hex[:6]
    tokens = {
        "admin": create_key(db.uow(), "admin")[1],
        "erp": create_key(db.uow(), "erp")[1],
        "planner": create_key(db.uow(), "planner")[1],
    }
    server_engine = make_engine(db.settings)  # disposed after the run: its backends flush their statistics
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    waits: Counter[str] = Counter()
    done = threading.Event()
    with live_server(db.settings.model_copy(update={"webhook_relay_interval_s": 0}), server_engine) as base:
        world = _hot_warehouse(base, tokens["admin"], tag)
        pickers = [create_key(db.uow(), "picker", "HOT")[1] for _ in range(MIX["picker"] + MIX["packer"])]
        role_token = {
            "erp": lambda _: tokens["erp"],
            "reader": lambda _: tokens["erp"],
            "planner": lambda _: tokens["planner"],
            "clerk": lambda _: tokens["planner"],
            "picker": lambda k: pickers[k],
            "packer": lambda k: pickers[MIX["picker"] + k],
        }
        deadlocks_before = _deadlocks(db.engine)
        load_before = load()
        deadline = time.time() + 5 + DURATION_S  # the processes start meanwhile
        procs = [
            ctx.Process(
                target=run_role, args=(role, k, base, role_token[role](k), world, start, deadline, results), daemon=True
            )
            for role, n in MIX.items()
            for k in range(n)
        ]
        for p in procs:
            p.start()
        time.sleep(max(0.0, deadline - DURATION_S - time.time()))
        start.set()
        sampler = threading.Thread(target=_sample_waits, args=(db, waits, done), daemon=True)
        sampler.start()
        got = [results.get(timeout=DURATION_S + 600) for _ in procs]
        done.set()
        sampler.join()
        for p in procs:
            p.join(30)
        load_after = load()
    server_engine.dispose()
    time.sleep(1)
    deadlocks_after = _deadlocks(db.engine)
    calls = [c for g in got for c in g["calls"]]
    summary = summarize(calls)
    pushed = [p for g in got if g["role"] == "erp" for p in g["pushed"]]
    with db.engine.connect() as conn:
        in_db = dict(
            conn.execute(text("SELECT external_id, id FROM orders WHERE external_id LIKE :p"), {"p": f"{tag}-%"}).all()
        )
        gaps = conn.execute(text("SELECT max(seq) - count(*) FROM outbox_events")).scalar()
        counts = dict(
            conn.execute(
                text("SELECT status, count(*) FROM orders WHERE external_id LIKE :p GROUP BY 1"), {"p": f"{tag}-%"}
            ).all()
        )
        waves = dict(conn.execute(text("SELECT status, count(*) FROM waves GROUP BY 1")).all())
    total = sum(waits.values()) or 1
    figures = {
        "backend": "postgresql",
        "seconds": DURATION_S,
        "clients": len(procs),
        "mix": MIX,
        "hot_skus": HOT_SKUS,
        "requests_per_s": round(len(calls) / DURATION_S, 1),
        "5xx": summary["ALL"]["5xx"],
        "no_answer": summary["ALL"]["no_answer"],
        "reconnects": sum(g["connects"] - 1 for g in got),
        "deadlocks": deadlocks_after - deadlocks_before,
        "orders_by_status": counts,
        "waves": waves,
        "stops_confirmed": sum(g.get("confirmed", 0) for g in got),
        "short_picks": sum(g.get("shorts", 0) for g in got),
        "carts_delivered": sum(g.get("delivered", 0) for g in got),
        "shipped": sum(g.get("shipped", 0) for g in got),
        "pg_backend_states": {k: round(v / total, 3) for k, v in waits.most_common(6)},
        "load_before": load_before,
        "load_after": load_after,
    }
    report("mixed-postgresql", figures, summary)
    assert summary["ALL"]["5xx"] == 0 and summary["ALL"]["no_answer"] == 0, summary["ALL"]
    assert figures["reconnects"] == 0
    assert {e: i for e, i in pushed} == {e: in_db.get(e) for e, _ in pushed}  # every answered order, once
    assert gaps == 0
    assert_stock_invariants(db.engine)
    assert_reservations_consistent(db.engine)
    db.close()
