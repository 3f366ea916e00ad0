"""Scans under load: 1, 4, 8 and 16 pickers confirming at once through a live server on PostgreSQL, each
level interleaved with a hand-written floor measured in the same run over the same data.

Setup (untimed): a database of its own (``wms_bench_scans_*``), one warehouse, ``WMS_BENCH_SCANS_SKUS``
(200) items stocked in a location each, ``WMS_BENCH_SCANS_ORDERS`` (720) orders of 8 single units pushed
and planned as one wave (carts of 48 units: pick lists of ~48 stops). ``wms serve`` runs as a subprocess
(``benchmarks/soak_server.py``). For a before/after comparison, copy this file into an export of the
other branch and run it there (``git archive main | tar -x -C /tmp/main-src``, then ``cd /tmp/main-src``):
``python -m`` imports the service from the current directory.

Per round (``WMS_BENCH_SCANS_ROUNDS``, 2) and level (pickers), every picker first claims a pick list of
its own over HTTP (untimed), then, from a common start, each confirms ``WMS_BENCH_SCANS_STOPS`` (30) stops
of it in walking order, one ``POST .../confirmations`` each with its own ``Idempotency-Key``, as
handhelds send them (clients: threads of this process, one keep-alive connection each). Right after, the
floor does the same amount of work on other claimed lists: per stop one transaction over SQLAlchemy Core
(psycopg) with no HTTP, no token, no scope, no idempotency and no answer: lock the stop, update it, take the
units off the shelf row, put them on the cart row (upsert), point the reservation at it, write the ledger
(operation and its two rows in one statement), commit. Printed: confirmations/s (all confirmations of the
level over the time from the common start to the last picker's end) and p50/p95/p99 of a confirmation,
pooled over the rounds, for both, and ours as a fraction of the floor. Afterwards the ledger must agree with
stock and the reservations with the allocations (``tests/invariants.py``).

``WMS_BENCH_SCANS_WORKERS`` (1) runs ``wms serve --workers N``. ``WMS_BENCH_SCANS_PACE_S`` (0: back to back)
makes each picker (and the floor's) start a scan every so many seconds from a random phase, as pickers who
walk between stops do: then conf/s is set by the pace and the latencies are what a picker waits.

    python -m pytest benchmarks/test_bench_scans.py -q -s      # ≈ 2-3 min on 2 vCPUs
"""

from __future__ import annotations

import os
import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

import wms
from benchmarks.soak_roles import scan
from benchmarks.soak_server import Server
from tests.api.orders_helpers import promised
from tests.conftest import PG_SERVER_URL
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from wms.api.app import create_app
from wms.auth.keys import create_key
from wms.config import Settings
from wms.db import UnitOfWork, make_engine, make_session_factory
from wms.migrate import upgrade
from wms.picking.waves import Cart, StartWave, run_planning, start_wave

SKUS = int(os.environ.get("WMS_BENCH_SCANS_SKUS", "200"))
ORDERS = int(os.environ.get("WMS_BENCH_SCANS_ORDERS", "720"))
ROUNDS = int(os.environ.get("WMS_BENCH_SCANS_ROUNDS", "2"))
STOPS = int(os.environ.get("WMS_BENCH_SCANS_STOPS", "30"))
LEVELS = [int(n) for n in os.environ.get("WMS_BENCH_SCANS_LEVELS", "1,4,8,16").split(",")]
WORKERS = int(os.environ.get("WMS_BENCH_SCANS_WORKERS", "1"))  # wms serve --workers
PACE_S = float(os.environ.get("WMS_BENCH_SCANS_PACE_S", "0"))  # 0: back to back; else one scan per picker every PACE_S
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
ADDRESS = {"name": "Ann Lee", "line1": "1 Main St", "city": "Springfield", "postcode": "12345", "country": "US"}


@pytest.fixture
def database() -> Iterator[tuple[str, Engine]]:
    name = f"wms_bench_scans_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(Settings(database_url=url))
    upgrade(engine)
    try:
        yield url, engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _stock_and_orders(url: str, engine: Engine) -> None:
    """One warehouse, SKUS items in a location each, ORDERS orders of 8 units, one wave planned."""
    settings = Settings(database_url=url, webhook_relay_interval_s=0, wave_sweep_interval_s=0)
    uow = UnitOfWork(make_session_factory(engine))
    token = create_key(uow, "admin")[1]
    with TestClient(create_app(settings, engine)) as c:
        c.headers["Authorization"] = f"Bearer {token}"

        def post(path: str, body: Any) -> Any:
            r = c.post(path, json=body)
            assert 200 <= r.status_code < 300, r.text
            return r.json()

        post("/v1/warehouses", {"code": "WH1", "name": "Main", "layout": LAYOUT})
        locations = []
        cursor = None
        while True:
            params = {"limit": 500, "kind": "storage", **({"cursor": cursor} if cursor else {})}
            page = c.get("/v1/warehouses/WH1/locations", params=params)
            assert page.status_code == 200, page.text
            locations += [row["code"] for row in page.json()["items"]]
            if (cursor := page.json()["next_cursor"]) is None:
                break
        assert len(locations) >= SKUS
        skus = [f"S{n:04d}" for n in range(SKUS)]
        for sku in skus:
            post("/v1/items", {"sku": sku, "name": sku})
        units = ORDERS * 8 // SKUS * 2 + 50
        post(
            "/v1/receipts",
            {
                "warehouse": "WH1",
                "reference": "PO",
                "lines": [
                    {"sku": sku, "lot": f"L-{sku}", "expiry_date": None, "quantity": units, "location": loc}
                    for sku, loc in zip(skus, locations, strict=False)
                ],
            },
        )
        rng = random.Random(7)
        orders = [
            {
                "external_id": f"B-{n}",
                "channel": "shop",
                "customer_id": f"C{n}",
                "ship_to": ADDRESS,
                "paid": True,
                "carrier": "UPS",
                "promised_ship_by": promised(),
                "lines": [{"sku": sku, "quantity": 1} for sku in rng.sample(skus, 8)],
            }
            for n in range(ORDERS)
        ]
        for i in range(0, ORDERS, 500):
            done = post("/v1/orders/bulk", {"orders": orders[i : i + 500]})
            assert {r["result"] for r in done["results"]} == {"created"}, done["results"][:2]
    wave_id, n_orders = start_wave(StartWave(warehouse="WH1", cart=Cart(max_units=48), time_limit_s=10.0), uow, "b")
    assert run_planning(uow, wave_id) == "planned" and n_orders == ORDERS


class _Pace:
    """With ``PACE_S``: a picker's scans start every ``PACE_S`` seconds from a random phase (pickers who walk
    between stops, not all in step); a scan answered late starts the next at once. Without: back to back."""

    def __init__(self) -> None:
        self.next = time.perf_counter() + random.uniform(0, PACE_S)

    def wait(self) -> None:
        if PACE_S > 0:
            time.sleep(max(0.0, self.next - time.perf_counter()))
            self.next = max(self.next + PACE_S, time.perf_counter())


def _claim(base: str, token: str) -> dict[str, Any]:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        r = c.post("/v1/pick-lists/claim", json={"warehouse": "WH1"})
        assert r.status_code == 200, r.text
        return r.json()


def _ours(base: str, token: str, pick_list: dict[str, Any], start: threading.Barrier) -> list[float]:
    latencies = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
        c.get("/healthz")  # the connection is open before the clock starts
        start.wait()
        clock = _Pace()
        pl = pick_list
        for _ in range(STOPS):
            clock.wait()
            stop = pl["next_stop"]
            t0 = time.perf_counter()
            r = c.post(
                f"/v1/pick-lists/{pl['id']}/confirmations",
                headers={"Idempotency-Key": f"s{stop['id']}-{uuid.uuid4().hex[:8]}"},
                json=scan(stop, stop["quantity"]),
            )
            latencies.append(time.perf_counter() - t0)
            assert r.status_code == 201, r.text
            pl = r.json()
    return latencies


FLOOR_SQL = [
    """SELECT s.quantity, s.allocation_id, s.location_id, s.lot_id, s.item_id, a.stock_id, p.cart_location_id,
              p.warehouse_id
       FROM pick_list_stops s JOIN allocations a ON a.id = s.allocation_id JOIN pick_lists p ON p.id = s.pick_list_id
       WHERE s.id = :stop AND s.status = 'open' FOR UPDATE OF s""",
    """UPDATE pick_list_stops SET status = 'picked', picked_quantity = quantity, confirmed_at = now(),
              confirmed_by = :actor WHERE id = :stop""",
    """UPDATE stock SET on_hand = on_hand - :q, reserved = reserved - :q WHERE id = :shelf""",
    """INSERT INTO stock (warehouse_id, location_id, item_id, lot_id, on_hand, reserved)
       VALUES (:wh, :cart, :item, :lot, :q, :q)
       ON CONFLICT (location_id, lot_id) DO UPDATE SET on_hand = stock.on_hand + :q, reserved = stock.reserved + :q
       RETURNING id""",
    """UPDATE allocations SET stock_id = :cart_row WHERE id = :alloc""",
    """WITH op AS (INSERT INTO stock_operations (kind, warehouse_id, reference, actor, at)
                   VALUES ('pick', :wh, :ref, :actor, now()) RETURNING id)
       INSERT INTO stock_movements (operation_id, at, warehouse_id, location_id, item_id, lot_id, delta, reason,
                                    reference, actor)
       SELECT op.id, now(), :wh, m.location_id, :item, :lot, m.delta, 'pick', :ref, :actor
       FROM op, (VALUES (CAST(:loc AS BIGINT), -:q), (CAST(:cart AS BIGINT), :q)) AS m(location_id, delta)""",
]


def _floor(engine: Engine, pick_list: dict[str, Any], start: threading.Barrier) -> list[float]:
    """The hand-written floor: the same stops' work in SQL, one transaction each, nothing else."""
    sql = [text(s) for s in FLOOR_SQL]
    latencies = []
    stops = [st for st in pick_list["stops"] if st["status"] == "open"][:STOPS]
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        conn.commit()
        start.wait()
        clock = _Pace()
        for st in stops:
            clock.wait()
            t0 = time.perf_counter()
            with conn.begin():
                row = conn.execute(sql[0], {"stop": st["id"]}).one()
                p = {"stop": st["id"], "actor": "floor", "q": row.quantity, "ref": f"PICKLIST-{pick_list['id']}"}
                conn.execute(sql[1], p)
                conn.execute(sql[2], {**p, "shelf": row.stock_id})
                cart_row = conn.execute(
                    sql[3],
                    {**p, "wh": row.warehouse_id, "cart": row.cart_location_id, "item": row.item_id, "lot": row.lot_id},
                ).scalar_one()
                conn.execute(sql[4], {"cart_row": cart_row, "alloc": row.allocation_id})
                conn.execute(
                    sql[5],
                    {
                        **p,
                        "wh": row.warehouse_id,
                        "item": row.item_id,
                        "lot": row.lot_id,
                        "loc": row.location_id,
                        "cart": row.cart_location_id,
                    },
                )
            latencies.append(time.perf_counter() - t0)
    return latencies


def _level(
    pickers: int,
    lists: list[tuple[str, dict[str, Any]]],
    work: Callable[[str, dict[str, Any], threading.Barrier], list[float]],
) -> tuple[float, list[float]]:
    """Run ``work`` for ``pickers`` at once from a common start: (seconds to the last end, latencies)."""
    start = threading.Barrier(pickers + 1)
    with ThreadPoolExecutor(pickers) as pool:
        futures = [pool.submit(work, token, pl, start) for token, pl in lists]
        start.wait()
        t0 = time.perf_counter()
        runs = [f.result() for f in futures]
        elapsed = time.perf_counter() - t0
    return elapsed, [x for run in runs for x in run]


def _pct(values: list[float], q: int) -> float:
    return round(1000 * statistics.quantiles(values, n=100)[q - 1], 1) if len(values) > 1 else 0.0


def test_scans(database: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = database
    t_setup = time.perf_counter()
    _stock_and_orders(url, engine)
    floor_engine = create_engine(url, pool_size=max(LEVELS) + 2)
    uow = UnitOfWork(make_session_factory(engine))
    server = Server(url, tmp_path / "server.log", WMS_WAVE_SWEEP_INTERVAL_S="0", WMS_WORKERS=str(WORKERS))
    server.start()
    results: dict[int, dict[str, list]] = {
        n: {"ours_s": [], "ours": [], "floor_s": [], "floor": [], "n": []} for n in LEVELS
    }
    try:

        def claimed(n: int) -> list[tuple[str, dict[str, Any]]]:
            tokens = [create_key(uow, "picker", "WH1")[1] for _ in range(n)]
            lists = [(tok, _claim(server.base, tok)) for tok in tokens]
            assert all(len([s for s in pl["stops"] if s["status"] == "open"]) >= STOPS for _, pl in lists), [
                pl["open_stops"] for _, pl in lists
            ]
            return lists

        _level(1, claimed(1), lambda tok, pl, b: _ours(server.base, tok, pl, b))  # warm-up, not counted
        print(f"\nsetup {time.perf_counter() - t_setup:.0f} s; service from {Path(wms.__file__).parent}")
        for _ in range(ROUNDS):
            for n in LEVELS:
                ours = claimed(n)
                floor = claimed(n)
                elapsed, lat = _level(n, ours, lambda tok, pl, b: _ours(server.base, tok, pl, b))
                results[n]["ours_s"].append(elapsed)
                results[n]["ours"] += lat
                elapsed, lat = _level(n, floor, lambda tok, pl, b: _floor(floor_engine, pl, b))
                results[n]["floor_s"].append(elapsed)
                results[n]["floor"] += lat
    finally:
        server.stop()
        floor_engine.dispose()
    load = os.getloadavg()[0]
    print(
        f"\n{'pickers':>7} | {'ours conf/s':>11} | {'p50':>6} {'p95':>6} {'p99 ms':>7} | {'floor conf/s':>12} | "
        f"{'p50':>6} {'p95':>6} {'p99 ms':>7} | ours/floor"
    )
    for n in LEVELS:
        r = results[n]
        ours_cps = len(r["ours"]) / sum(r["ours_s"])
        floor_cps = len(r["floor"]) / sum(r["floor_s"])
        print(
            f"{n:>7} | {ours_cps:>11.1f} | {_pct(r['ours'], 50):>6} {_pct(r['ours'], 95):>6} {_pct(r['ours'], 99):>7} | "
            f"{floor_cps:>12.1f} | {_pct(r['floor'], 50):>6} {_pct(r['floor'], 95):>6} {_pct(r['floor'], 99):>7} | "
            f"{ours_cps / floor_cps:.2f}"
        )
    print(
        f"load average (1 min) at the end: {load:.2f}; {ROUNDS} rounds of {STOPS} confirmations per picker; "
        f"wms serve --workers {WORKERS}; "
        + (f"each picker scans every {PACE_S} s (conf/s is set by the pace)" if PACE_S else "scans back to back")
    )
    assert_stock_invariants(engine)
    assert_reservations_consistent(engine)
