"""Order intake + allocation throughput, and the multi-warehouse split solver.

Run on demand (not part of ``pytest``'s default ``tests/``):

    python -m pytest benchmarks -q --benchmark-only

* ``test_intake``: generated orders (``WMS_BENCH_ORDERS``, default 2,000)
  pushed into a fresh database holding the generated world, through the
  service layer (``push_order`` with a ``UnitOfWork``, one transaction per
  order, commands validated beforehand) and through HTTP
  (``POST /v1/orders/bulk``, ``WMS_BENCH_BULK`` orders per call, default 500,
  FastAPI TestClient, in process), on SQLite and PostgreSQL. Orders/s and
  what the run produced (statuses, shipments, splits, merges, shorts, how
  many allocations needed CP-SAT) are in ``extra_info``.
* ``test_allocation_vs_stock_rows``: the same intake (fewer orders) with
  the stock table inflated by empty rows (on hand 0, as stock rows are never
  deleted), to show how allocation scales with the size of ``stock``.
* ``test_split_solver``: ``solve_split`` on the split problems of 10,000
  generated orders over 5 warehouses, side by side with a greedy baseline
  and an exact optimum.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

import wms.allocation.allocate as allocate_module
from benchmarks.conftest import Database, Templates
from benchmarks.generate import (
    greedy_by_preference,
    make_orders,
    make_world,
    split_problems,
)
from tests.unit.split_reference import brute_force
from wms.allocation.solver.split import SplitProblem, objective, solve_split
from wms.api.app import create_app
from wms.auth.keys import create_key
from wms.orders.commands import PushOrder
from wms.orders.services import push_order
from wms.orders.workflow import Policy

ROUNDS = int(os.environ.get("WMS_BENCH_ROUNDS", "1"))
BULK = int(os.environ.get("WMS_BENCH_BULK", "500"))
CHUNK = 500  # throughput is also reported per chunk of this many orders (does it degrade as data grows?)


# ---------------------------------------------------------------------------------------------- helpers


class SolverProbe:
    """Wraps the ``solve_split`` the allocator calls: counts statuses and time spent in it."""

    def __init__(self) -> None:
        self.status: Counter[str] = Counter()
        self.seconds = 0.0
        self.cp_sat: list[float] = []

    def __call__(self, problem: SplitProblem) -> Any:
        t0 = time.perf_counter()
        result = solve_split(problem)
        dt = time.perf_counter() - t0
        self.status[result.status] += 1
        self.seconds += dt
        if result.status in ("optimal", "feasible"):
            self.cp_sat.append(dt)
        return result

    def summary(self) -> dict[str, Any]:
        n = sum(self.status.values())
        return {
            "allocations": n,
            "solver_status": dict(self.status),
            "fast_path_share": round(self.status["fast_path"] / n, 4) if n else None,
            "cp_sat_share": round(len(self.cp_sat) / n, 4) if n else None,
            "solver_seconds_total": round(self.seconds, 3),
            "cp_sat_ms_mean": round(1000 * float(np.mean(self.cp_sat)), 2) if self.cp_sat else None,
            "cp_sat_ms_max": round(1000 * max(self.cp_sat), 2) if self.cp_sat else None,
        }


def outcome(engine: Engine) -> dict[str, Any]:
    """What the pushed orders turned into."""
    q = {
        "orders": "SELECT count(*) FROM orders",
        "shipments": "SELECT count(*) FROM shipments WHERE status = 'allocated'",
        "orders_split": "SELECT count(*) FROM (SELECT order_id FROM shipment_lines GROUP BY order_id "
        "HAVING count(DISTINCT shipment_id) > 1) x",
        "lines_split": "SELECT count(*) FROM (SELECT order_line_id FROM shipment_lines GROUP BY order_line_id "
        "HAVING count(DISTINCT shipment_id) > 1) x",
        "shipments_merged": "SELECT count(*) FROM (SELECT shipment_id FROM shipment_lines GROUP BY shipment_id "
        "HAVING count(DISTINCT order_id) > 1) x",
        "orders_short": "SELECT count(DISTINCT order_id) FROM order_lines WHERE backordered > 0",
        "units_reserved": "SELECT coalesce(sum(reserved), 0) FROM stock",
        "stock_rows": "SELECT count(*) FROM stock",
    }
    with engine.connect() as conn:
        out: dict[str, Any] = {k: int(conn.execute(text(sql)).scalar() or 0) for k, sql in q.items()}
        out["status"] = dict(conn.execute(text("SELECT status, count(*) FROM orders GROUP BY status")).all())
        out["open_problems"] = dict(
            conn.execute(
                text("SELECT code, count(*) FROM order_problems WHERE resolved_at IS NULL GROUP BY code")
            ).all()
        )
    return out


def record(benchmark: Any, n_orders: int, rounds: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    secs = [r["seconds"] for r in rounds]
    benchmark.extra_info.update(
        {
            "orders_per_round": n_orders,
            "rounds": len(rounds),
            "seconds": [round(s, 2) for s in secs],
            "orders_per_s": round(n_orders / float(np.mean(secs)), 1),
            "orders_per_s_best": round(n_orders / min(secs), 1),
            "ms_per_order": round(1000 * float(np.mean(secs)) / n_orders, 2),
            "orders_per_s_by_chunk": rounds[0]["chunks"],
            "loadavg_before_after": rounds[0]["load"],
            **extra,
        }
    )


def chunk_rates(t0: float, marks: list[tuple[int, float]]) -> list[float]:
    rates, last_n, last_t = [], 0, t0
    for n, t in marks:
        rates.append(round((n - last_n) / (t - last_t), 1))
        last_n, last_t = n, t
    return rates


def load() -> float:
    return round(os.getloadavg()[0], 2)


def run_service(db: Database, cmds: list[PushOrder], rounds: list[dict[str, Any]]) -> None:
    uow, pol = db.uow(), Policy.from_settings(db.settings)
    marks, before = [], load()
    t0 = time.perf_counter()
    for n, cmd in enumerate(cmds, start=1):
        push_order(cmd, uow, pol, "bench")
        if n % CHUNK == 0 or n == len(cmds):
            marks.append((n, time.perf_counter()))
    rounds.append({"seconds": marks[-1][1] - t0, "chunks": chunk_rates(t0, marks), "load": [before, load()]})


def run_http(
    client: TestClient, headers: dict[str, str], batches: list[list[dict[str, Any]]], rounds: list[dict[str, Any]]
) -> None:
    marks, n, before = [], 0, load()
    t0 = time.perf_counter()
    for batch in batches:
        r = client.post("/v1/orders/bulk", json={"orders": batch}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["errors"] == 0 and body["created"] == len(batch), [x for x in body["results"] if x.get("error")][:3]
        n += len(batch)
        marks.append((n, time.perf_counter()))
    rounds.append({"seconds": marks[-1][1] - t0, "chunks": chunk_rates(t0, marks), "load": [before, load()]})


# ---------------------------------------------------------------------------------------------- (a) intake


@pytest.mark.parametrize("path", ["service", "http"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_intake(
    benchmark: Any,
    templates: Templates,
    orders: list[dict[str, Any]],
    backend: str,
    path: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Orders pushed one transaction each (service) or in bulk calls (HTTP); each round on a fresh database."""
    benchmark.group = f"intake {len(orders)} orders"
    probe = SolverProbe()
    monkeypatch.setattr(allocate_module, "solve_split", probe)
    rounds: list[dict[str, Any]] = []
    results: dict[str, Any] = {}

    def setup() -> tuple[tuple, dict]:
        db = templates.fresh(backend)
        if path == "service":
            return (db, [PushOrder.model_validate(o) for o in orders]), {}
        client = TestClient(create_app(db.settings, db.engine))
        client.__enter__()
        headers = {"Authorization": f"Bearer {create_key(db.uow(), 'erp')[1]}"}
        return (db, client, headers, [orders[i : i + BULK] for i in range(0, len(orders), BULK)]), {}

    def target(db: Database, *rest: Any) -> None:
        if path == "service":
            run_service(db, rest[0], rounds)
        else:
            run_http(rest[0], rest[1], rest[2], rounds)

    def teardown(db: Database, *rest: Any) -> None:
        if path == "http":
            rest[0].__exit__(None, None, None)
        if not results:
            results.update(outcome(db.engine))
            results.update(probe.summary())
        db.close()

    benchmark.pedantic(target, setup=setup, teardown=teardown, rounds=ROUNDS, iterations=1)
    record(
        benchmark,
        len(orders),
        rounds,
        {"backend": backend, "path": path, "bulk_size": BULK if path == "http" else None, **results},
    )
    assert results["orders"] == len(orders)
    assert results["status"].get("allocated", 0) > 0.8 * len(orders)


# ------------------------------------------------------------------------- allocation vs size of the stock table

PROBE_ORDERS = 300
EMPTY_ROWS_PER_LOCATION = 20  # ≈ 265,000 extra stock rows over the generated world's ≈ 13,000 locations

INFLATE = """
INSERT INTO stock (warehouse_id, location_id, item_id, lot_id, on_hand, reserved)
SELECT l.warehouse_id, l.id, s.item_id, s.lot_id, 0, 0
FROM locations l
JOIN (SELECT warehouse_id, item_id, lot_id,
             row_number() OVER (PARTITION BY warehouse_id ORDER BY id) AS n FROM stock) s
  ON s.warehouse_id = l.warehouse_id AND s.n <= :per_location
WHERE l.kind = 'storage'
  AND NOT EXISTS (SELECT 1 FROM stock x WHERE x.location_id = l.id AND x.lot_id = s.lot_id)
"""


@pytest.mark.parametrize("empty_rows", [False, True], ids=["stock-as-loaded", "plus-empty-stock-rows"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_allocation_vs_stock_rows(
    benchmark: Any,
    templates: Templates,
    orders: list[dict[str, Any]],
    backend: str,
    empty_rows: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Service intake of the first orders, with and without ~265k empty stock rows (on hand 0)."""
    benchmark.group = f"allocation vs stock rows ({PROBE_ORDERS} orders, service)"
    lock_times: list[float] = []
    original = allocate_module.lock_available

    def timed(session: Any, available: Any) -> Any:
        t0 = time.perf_counter()
        rows = original(session, available)
        lock_times.append(time.perf_counter() - t0)
        return rows

    monkeypatch.setattr(allocate_module, "lock_available", timed)
    rounds: list[dict[str, Any]] = []
    info: dict[str, Any] = {}

    def setup() -> tuple[tuple, dict]:
        db = templates.fresh(backend)
        if empty_rows:
            with db.engine.begin() as conn:
                conn.execute(text(INFLATE), {"per_location": EMPTY_ROWS_PER_LOCATION})
            # settle the bulk insert before timing. PostgreSQL: what autovacuum would have done by then.
            # SQLite: only a WAL checkpoint, no ANALYZE, because the service never runs one (with
            # sqlite_stat1 the planner would skip-scan ix_stock_warehouse_item instead).
            if backend == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE"))
            else:
                raw = db.engine.raw_connection()
                try:
                    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    raw.close()
        with db.engine.connect() as conn:
            info["stock_rows"] = int(conn.execute(text("SELECT count(*) FROM stock")).scalar() or 0)
        lock_times.clear()
        return (db, [PushOrder.model_validate(o) for o in orders[:PROBE_ORDERS]]), {}

    def teardown(db: Database, _: Any) -> None:
        db.close()

    benchmark.pedantic(
        lambda db, cmds: run_service(db, cmds, rounds), setup=setup, teardown=teardown, rounds=ROUNDS, iterations=1
    )
    record(
        benchmark,
        PROBE_ORDERS,
        rounds,
        {
            "backend": backend,
            **info,
            "lock_available_calls": len(lock_times),
            "lock_available_ms_mean": round(1000 * float(np.mean(lock_times)), 2),
            "lock_available_ms_p95": round(1000 * float(np.percentile(lock_times, 95)), 2),
        },
    )


# ---------------------------------------------------------------------------------------------- (b) split solver

SPLIT_ORDERS = 10_000
SPLIT_WAREHOUSES = 5
SPLIT_SKUS = 5_000
BRUTE_FORCE_MAX_COMBINATIONS = 20_000


def exact_optimum(demand: np.ndarray, avail: np.ndarray, ranks: np.ndarray) -> tuple[int, int, int]:
    """Lexicographic optimum (shipments, split lines, preference) by enumerating warehouse sets.

    The fewest shipments k is the size of the smallest warehouse set S that
    can fill every line (Σ_S avail ≥ fill). For a smallest S every warehouse
    in S is used by any filling (else a smaller set would do), and lines are
    independent given S, so the fewest split lines of S is Σ over lines of
    (warehouses of S needed when taking the largest first) − 1. The optimum is
    the best (splits, Σ ranks) over all feasible S of size k.
    """
    n_wh, _ = avail.shape
    fill = np.minimum(demand, avail.sum(axis=0))
    if fill.sum() == 0:
        return (0, 0, 0)
    for size in range(1, n_wh + 1):
        best = None
        for s in itertools.combinations(range(n_wh), size):
            a = avail[list(s)]
            if not (a.sum(axis=0) >= fill).all():
                continue
            cum = np.cumsum(-np.sort(-a, axis=0), axis=0)
            needed = np.where(fill > 0, (cum < fill).sum(axis=0) + 1, 0)
            value = (size, int(np.maximum(needed - 1, 0).sum()), int(ranks[list(s)].sum()))
            best = value if best is None or value < best else best
        if best is not None:
            return best
    raise AssertionError("fill ≤ Σ avail, so all warehouses together are feasible")


def fast_path_then_greedy(demand: np.ndarray, avail: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Baseline: the most preferred warehouse that has everything, else fill by preference order."""
    fill = np.minimum(demand, avail.sum(axis=0))
    whole = np.flatnonzero(np.all(avail >= fill, axis=1))
    if len(whole):
        q = np.zeros_like(avail)
        q[whole[np.argmin(ranks[whole])]] = fill
        return q
    return greedy_by_preference(demand, avail, ranks)


def check_filling(q: np.ndarray, demand: np.ndarray, avail: np.ndarray) -> None:
    fill = np.minimum(demand, avail.sum(axis=0))
    assert (q >= 0).all() and (q <= avail).all() and (q.sum(axis=0) == fill).all()


def totals(values: list[tuple[int, int, int]]) -> dict[str, int]:
    return {
        "shipments": sum(v[0] for v in values),
        "split_lines": sum(v[1] for v in values),
        "preference_sum": sum(v[2] for v in values),
    }


def test_split_solver(benchmark: Any) -> None:
    """solve_split on every split problem of 10,000 orders, then the same problems by the baselines."""
    benchmark.group = "split solver"
    world = make_world(7, n_warehouses=SPLIT_WAREHOUSES, n_skus=SPLIT_SKUS, expected_orders=SPLIT_ORDERS)
    orders = make_orders(world, SPLIT_ORDERS, seed=8, paid_share=1.0)
    problems = split_problems(world, orders)
    assert len(problems) == SPLIT_ORDERS
    ranks = np.arange(SPLIT_WAREHOUSES, dtype=np.int64)
    solved: list[tuple[Any, float]] = []

    def solve_all() -> None:
        solved.clear()
        for _, demand, avail in problems:
            t0 = time.perf_counter()
            result = solve_split(SplitProblem(demand, avail, ranks))
            solved.append((result, time.perf_counter() - t0))

    benchmark.pedantic(solve_all, rounds=1, iterations=1)
    cp_total = sum(dt for _, dt in solved)

    def timed(fn: Any) -> tuple[list[Any], float]:
        t0 = time.perf_counter()
        out = [fn(d, a, ranks) for _, d, a in problems]
        return out, time.perf_counter() - t0

    greedy_q, greedy_s = timed(fast_path_then_greedy)
    naive_q, naive_s = timed(greedy_by_preference)
    exact, exact_s = timed(exact_optimum)

    status = Counter(r.status for r, _ in solved)
    cp_idx = [i for i, (r, _) in enumerate(solved) if r.status in ("optimal", "feasible")]
    cp_times = np.array([solved[i][1] for i in cp_idx])
    fast_times = np.array([dt for r, dt in solved if r.status == "fast_path"])
    objectives: dict[str, list[tuple[int, int, int]]] = {
        "cp_sat": [],
        "fast_path_then_greedy": [],
        "greedy_by_preference": [],
    }
    for (result, _), gq, nq, (_, d, a) in zip(solved, greedy_q, naive_q, problems, strict=True):
        for q in (result.quantities, gq, nq):
            check_filling(q, d, a)
        objectives["cp_sat"].append(objective(result.quantities, ranks) if result.quantities.sum() else (0, 0, 0))
        objectives["fast_path_then_greedy"].append(objective(gq, ranks) if gq.sum() else (0, 0, 0))
        objectives["greedy_by_preference"].append(objective(nq, ranks) if nq.sum() else (0, 0, 0))

    def compare(name: str, subset: list[int]) -> dict[str, Any]:
        mine = [objectives[name][i] for i in subset]
        best = [exact[i] for i in subset]
        return {
            **totals(mine),
            "equal_to_optimum": sum(m == b for m, b in zip(mine, best, strict=True)),
            "worse_than_optimum": sum(m > b for m, b in zip(mine, best, strict=True)),
            "extra_shipments": sum(m[0] - b[0] for m, b in zip(mine, best, strict=True)),
            "orders_with_extra_shipments": sum(m[0] > b[0] for m, b in zip(mine, best, strict=True)),
        }

    everything = list(range(len(problems)))
    brute_checked = brute_agree = 0
    cp_vs_brute = 0
    for i in cp_idx:
        bf = brute_force(problems[i][1], problems[i][2], ranks, BRUTE_FORCE_MAX_COMBINATIONS)
        if bf is None:
            continue
        brute_checked += 1
        brute_agree += bf == exact[i]
        cp_vs_brute += objectives["cp_sat"][i] == bf
    short = sum(bool((r.backorder > 0).any()) for r, _ in solved)

    info = {
        "orders": len(problems),
        "warehouses": SPLIT_WAREHOUSES,
        "skus": SPLIT_SKUS,
        "lines_mean": round(float(np.mean([len(k) for k, _, _ in problems])), 3),
        "solve_split_seconds_total": round(cp_total, 3),
        "orders_per_s": round(len(problems) / cp_total, 1),
        "status": dict(status),
        "fast_path_share": round(status["fast_path"] / len(problems), 4),
        "cp_sat_share": round(len(cp_idx) / len(problems), 4),
        "nothing_available_share": round(status["nothing_available"] / len(problems), 4),
        "orders_short": short,
        "fast_path_us_mean": round(1e6 * float(fast_times.mean()), 1),
        "cp_sat_ms_mean": round(1000 * float(cp_times.mean()), 2),
        "cp_sat_ms_p50": round(1000 * float(np.percentile(cp_times, 50)), 2),
        "cp_sat_ms_p99": round(1000 * float(np.percentile(cp_times, 99)), 2),
        "cp_sat_ms_max": round(1000 * float(cp_times.max()), 2),
        "cp_sat_seconds_total": round(float(cp_times.sum()), 3),
        "cp_sat_lines_mean": round(float(np.mean([len(problems[i][0]) for i in cp_idx])), 2),
        "baseline_seconds": {
            "fast_path_then_greedy": round(greedy_s, 3),
            "greedy_by_preference": round(naive_s, 3),
            "exact_by_subset_enumeration": round(exact_s, 3),
        },
        "all_orders": {"optimum": totals(exact), **{name: compare(name, everything) for name in objectives}},
        "cp_sat_orders": {
            "optimum": totals([exact[i] for i in cp_idx]),
            **{name: compare(name, cp_idx) for name in objectives},
        },
        "brute_force_checked": brute_checked,
        "brute_force_agrees_with_exact": brute_agree,
        "cp_sat_equal_to_brute_force": cp_vs_brute,
    }
    benchmark.extra_info.update(info)
    assert brute_agree == brute_checked
    assert info["all_orders"]["cp_sat"]["worse_than_optimum"] == 0
