"""Requests per second against API processes: ``wms serve --workers N`` for N in 1, 2, 3 on PostgreSQL.

``python -m benchmarks.throughput_vs_processes`` (on demand; ≈ 5 min with the defaults). One database
(``wms_bench_procs_<pid>``, dropped at the end) is stocked once; then, round after round, each worker count
in turn (the order rotates per round, so that a noisy neighbour's minute does not hit one count only) gets a
fresh server and ``--clients`` client processes (keep-alive, ``benchmarks/soak.py``'s recording client)
sending a mix for ``--seconds``: a paid order pushed (allocated at once: the write path, row locks on hot
stock), and reads of an order, a stock page and an item. Printed per worker count and round: requests/s, p50
and p99 (ms), errors; then the median over the rounds. ``--plot PATH`` draws them (matplotlib, test extra).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.soak import Client, order_body, pct

PG_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SKUS = [f"P{i:03d}" for i in range(40)]
LAYOUT = {
    "aisles": 6,
    "aisle_pitch_m": 3,
    "blocks": 2,
    "bays_per_block": 10,
    "bay_width_m": 1,
    "cross_aisle_width_m": 2,
    "levels": 1,
    "depot_x_m": 0,
}


def client(base: str, token: str, seconds: float, seed: int) -> tuple[float, float, list[tuple[str, int, float]]]:
    """One client process: the mix until the deadline; when it started and ended (time.time()), and
    (operation, status, ms) per call."""
    started = time.time()
    rng = random.Random(seed)
    c = Client(base, token)
    orders: list[int] = []
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        roll = rng.random()
        if roll < 0.25 or not orders:
            lines = [(rng.choice(SKUS), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
            body = order_body(f"B-{seed}-{n}", list(dict(lines).items()), f"C{rng.randint(1, 500)}")
            status, _, answer = c.call("POST /v1/orders", "POST", "/v1/orders", body)
            if status == 201:
                orders.append(answer["id"])
        elif roll < 0.55:
            c.call("GET /v1/orders/{id}", "GET", f"/v1/orders/{rng.choice(orders)}")
        elif roll < 0.8:
            c.call("GET /v1/stock", "GET", f"/v1/stock?warehouse=WH1&sku={rng.choice(SKUS)}&limit=50")
        else:
            c.call("GET /v1/items/{sku}", "GET", f"/v1/items/{rng.choice(SKUS)}")
    return started, time.time(), [(call.op, call.status, call.ms) for call in c.calls]


def stock_world(url: str) -> str:
    """Warehouse, items, plenty of stock in many places; the ERP token of the load."""
    from fastapi.testclient import TestClient

    from wms.api.app import create_app
    from wms.auth.keys import create_key
    from wms.config import Settings
    from wms.db import UnitOfWork, make_engine, make_session_factory
    from wms.migrate import upgrade

    settings = Settings(database_url=url, webhook_relay_interval_s=0, wave_sweep_interval_s=0)
    engine = make_engine(settings)
    upgrade(engine)
    uow = UnitOfWork(make_session_factory(engine))
    headers = {"Authorization": f"Bearer {create_key(uow, 'admin', None)[1]}"}
    with TestClient(create_app(settings, engine)) as api:
        assert api.post(
            "/v1/warehouses", json={"code": "WH1", "name": "b", "layout": LAYOUT}, headers=headers
        ).is_success
        storage = api.get("/v1/warehouses/WH1/locations?kind=storage&limit=500", headers=headers).json()["items"]
        for k, sku in enumerate(SKUS):
            assert api.post("/v1/items", json={"sku": sku, "name": sku}, headers=headers).is_success
            lines = [
                {
                    "sku": sku,
                    "lot": f"{sku}-{j}",
                    "expiry_date": None,
                    "quantity": 100_000,
                    "location": storage[(k * 7 + j * 31) % len(storage)]["code"],
                }
                for j in range(3)
            ]
            receipt = {"warehouse": "WH1", "reference": "PO", "lines": lines}
            assert api.post("/v1/receipts", json=receipt, headers=headers).is_success
    token = create_key(uow, "erp", None)[1]
    engine.dispose()
    return token


def one_run(url: str, token: str, workers: int, clients: int, seconds: float, log: Path, seed: int) -> dict[str, Any]:
    from benchmarks.soak_server import Server

    server = Server(url, log, WMS_WORKERS=str(workers), WMS_WEBHOOK_RELAY_INTERVAL_S="0")
    server.start()
    try:
        warm = Client(server.base, token)
        for _ in range(20 * workers):  # every worker has answered something before the clock starts
            warm.call("warm", "GET", f"/v1/items/{SKUS[0]}")
        spawn = multiprocessing.get_context("spawn")
        with spawn.Pool(clients) as pool:
            results = pool.starmap(client, [(server.base, token, seconds, seed * 100 + k) for k in range(clients)])
    finally:
        server.stop()
    elapsed = max(end for _, end, _ in results) - min(start for start, _, _ in results)
    calls = [c for _, _, r in results for c in r]
    ms = [m for _, s, m in calls if s]
    return {
        "workers": workers,
        "requests": len(calls),
        "rps": round(len(calls) / elapsed, 1),
        "p50_ms": pct(ms, 50),
        "p99_ms": pct(ms, 99),
        "errors": sum(not 200 <= s < 300 for _, s, _ in calls),
        "orders_per_s": round(sum(op.startswith("POST") and s == 201 for op, s, _ in calls) / elapsed, 1),
        "load_1min": round(os.getloadavg()[0], 2),  # the machine's, other people's work included
    }


def plot(runs: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = sorted({r["workers"] for r in runs})
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    for n in counts:
        mine = [r for r in runs if r["workers"] == n]
        left.scatter([n] * len(mine), [r["rps"] for r in mine], color="tab:blue", alpha=0.5)
        right.scatter([n] * len(mine), [r["p50_ms"] for r in mine], color="tab:green", alpha=0.5)
        right.scatter([n] * len(mine), [r["p99_ms"] for r in mine], color="tab:red", alpha=0.5)
    medians = {
        n: [statistics.median(r[k] for r in runs if r["workers"] == n) for k in ("rps", "p50_ms", "p99_ms")]
        for n in counts
    }
    left.plot(counts, [medians[n][0] for n in counts], color="tab:blue", label="requests/s (median)")
    right.plot(counts, [medians[n][1] for n in counts], color="tab:green", label="p50 ms")
    right.plot(counts, [medians[n][2] for n in counts], color="tab:red", label="p99 ms")
    for ax, title in ((left, "throughput"), (right, "latency")):
        ax.set_xticks(counts)
        ax.set_xlabel("API processes (wms serve --workers N)")
        ax.set_title(title)
        ax.legend(fontsize=8)
        ax.set_ylim(bottom=0)
    fig.suptitle("PostgreSQL, 2 shared vCPUs: order push 25 %, reads 75 %", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,3", help="worker counts, comma-separated (1,2,3)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0, help="load per run (20)")
    parser.add_argument("--clients", type=int, default=6, help="client processes (6)")
    parser.add_argument("--json", type=Path, help="also write every run here")
    parser.add_argument("--plot", type=Path, help="draw a PNG here (needs matplotlib)")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"wms_bench_procs_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    runs: list[dict[str, Any]] = []
    try:
        token = stock_world(url)
        logs = Path(tempfile.mkdtemp(prefix="wms-bench-procs-"))
        for rnd in range(args.rounds):
            order = counts[rnd % len(counts) :] + counts[: rnd % len(counts)]
            for n in order:
                run = one_run(url, token, n, args.clients, args.seconds, logs / f"serve-{n}.log", rnd * 10 + n)
                run["round"] = rnd + 1
                runs.append(run)
                print(json.dumps(run), flush=True)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print("\n| API processes | requests/s (median of rounds) | p50 ms | p99 ms | rounds: requests/s | errors |")
    print("|---:|---:|---:|---:|---|---:|")
    for n in counts:
        mine = [r for r in runs if r["workers"] == n]
        print(
            f"| {n} | {statistics.median(r['rps'] for r in mine):.0f} | {statistics.median(r['p50_ms'] for r in mine):.1f} | "
            f"{statistics.median(r['p99_ms'] for r in mine):.1f} | {', '.join(str(round(r['rps'])) for r in mine)} | "
            f"{sum(r['errors'] for r in mine)} |"
        )
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))
    if args.plot:
        plot(runs, args.plot)
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main(sys.argv[1:])
