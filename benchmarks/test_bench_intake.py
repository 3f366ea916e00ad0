"""Order intake on PostgreSQL as a fraction of the hand-written baselines, measured in one run (issue 12).

    python -m pytest benchmarks/test_bench_intake.py -q -s --benchmark-only

The generated orders (``WMS_BENCH_ORDERS``, default 2,000) go into a fresh copy of the generated world,
once per contender and round (``WMS_BENCH_ROUNDS``, default 2), the contenders interleaved so that the
machine's load falls on all alike:

* ``set_based``: the hand-written set-based baseline (``intake_baselines``, ``CHUNK`` orders a transaction);
* ``ours_bulk``: ``services.push_orders`` (what ``POST /v1/orders/bulk`` calls), commands validated beforehand;
* ``ours_http_bulk``: ``POST /v1/orders/bulk`` through the app in process, 1,000 orders a call (the app is
  started, and has answered one request, before the clock starts: a server's start is not intake);
* ``per_order``: the hand-written baseline with one transaction per order;
* ``ours_single``: ``services.push_order``, one call per order (what ``POST /v1/orders`` calls).

Printed: orders/s per contender (median of the rounds), ours as a fraction of its baseline, and our SQL
statements per order (counted on the engine).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, text

from benchmarks import intake_baselines
from benchmarks.conftest import Database, Templates
from wms import heap
from wms.api.app import create_app
from wms.auth.keys import create_key
from wms.orders.commands import PushOrder
from wms.orders.services import CHUNK, push_order, push_orders
from wms.orders.workflow import Policy

ROUNDS = int(os.environ.get("WMS_BENCH_ROUNDS", "2"))
HTTP_BATCH = 1000


def _ours_bulk(db: Database, cmds: list[PushOrder], _: list[dict[str, Any]], __: Any) -> None:
    push_orders(cmds, db.uow(), Policy.from_settings(db.settings), "bench")


def _ours_single(db: Database, cmds: list[PushOrder], _: list[dict[str, Any]], __: Any) -> None:
    uow, policy = db.uow(), Policy.from_settings(db.settings)
    for cmd in cmds:
        push_order(cmd, uow, policy, "bench")


@contextmanager
def _started(db: Database) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app started, its routes resolved by a first request (a refused empty bulk push: nothing written)."""
    headers = {"Authorization": f"Bearer {create_key(db.uow(), 'erp')[1]}"}
    with TestClient(create_app(db.settings, db.engine)) as client:
        assert client.post("/v1/orders/bulk", json={"orders": []}, headers=headers).status_code == 422
        yield client, headers


def _ours_http_bulk(_: Database, __: list[PushOrder], bodies: list[dict[str, Any]], started: Any) -> None:
    client, headers = started
    for i in range(0, len(bodies), HTTP_BATCH):
        r = client.post("/v1/orders/bulk", json={"orders": bodies[i : i + HTTP_BATCH]}, headers=headers)
        assert r.status_code == 200 and r.json()["errors"] == 0, r.text[:500]


def _set_based(db: Database, cmds: list[PushOrder], _: list[dict[str, Any]], __: Any) -> None:
    intake_baselines.run(db.settings.database_url, cmds, batch=CHUNK)


def _per_order(db: Database, cmds: list[PushOrder], _: list[dict[str, Any]], __: Any) -> None:
    intake_baselines.run(db.settings.database_url, cmds, batch=1)


@contextmanager
def _nothing(_: Database) -> Iterator[None]:
    yield None


PREPARED = {"ours_http_bulk": _started}  # set up before the clock starts
CONTENDERS: dict[str, Callable[[Database, list[PushOrder], list[dict[str, Any]], Any], None]] = {
    "set_based": _set_based,
    "ours_bulk": _ours_bulk,
    "ours_http_bulk": _ours_http_bulk,
    "per_order": _per_order,
    "ours_single": _ours_single,
}
VERSUS = {"ours_bulk": "set_based", "ours_http_bulk": "set_based", "ours_single": "per_order"}


def test_intake_against_baselines(benchmark: Any, templates: Templates, orders: list[dict[str, Any]]) -> None:
    cmds = [PushOrder.model_validate(o) for o in orders]
    rates: dict[str, list[float]] = {k: [] for k in CONTENDERS}
    statements: dict[str, float] = {}
    allocated: dict[str, int] = {}

    def run_all() -> None:
        for _ in range(ROUNDS):
            for name, fn in CONTENDERS.items():
                db = templates.fresh("postgresql")
                count = [0]

                def counted(*_: Any, count: list[int] = count) -> None:
                    count[0] += 1

                with PREPARED.get(name, _nothing)(db) as prepared:
                    event.listen(db.engine, "before_cursor_execute", counted)
                    t0 = time.perf_counter()
                    fn(db, cmds, orders, prepared)
                    rates[name].append(len(cmds) / (time.perf_counter() - t0))
                    event.remove(db.engine, "before_cursor_execute", counted)
                if name.startswith("ours"):
                    statements[name] = count[0] / len(cmds)
                with db.engine.connect() as conn:
                    allocated[name] = int(
                        conn.execute(text("SELECT count(*) FROM orders WHERE status = 'allocated'")).scalar_one()
                    )
                db.close()

    # the heap as a serving process holds it (wms.heap): the process's long-lived objects (this run's world and
    # orders, pytest's, the libraries') out of the full collections, which would otherwise walk them during ours
    heap.settle()
    benchmark.pedantic(run_all, rounds=1, iterations=1)
    median = {k: statistics.median(v) for k, v in rates.items()}
    print(f"\nintake of {len(cmds)} orders on PostgreSQL, {ROUNDS} rounds interleaved, load {os.getloadavg()[0]:.2f}")
    print(f"{'contender':16} {'orders/s':>9} {'rounds':>22} {'allocated':>9} {'stmts/order':>11} {'of baseline':>11}")
    for name, rate in median.items():
        ratio = f"{rate / median[VERSUS[name]]:.2f}" if name in VERSUS else ""
        stmts = f"{statements[name]:.1f}" if name in statements else ""
        each = ", ".join(f"{r:.0f}" for r in rates[name])
        print(f"{name:16} {rate:9.1f} {each:>22} {allocated[name]:9d} {stmts:>11} {ratio:>11}")
    benchmark.extra_info.update(
        {
            "orders": len(cmds),
            "orders_per_s": {k: [round(r, 1) for r in v] for k, v in rates.items()},
            "fraction_of_baseline": {k: round(median[k] / median[v], 3) for k, v in VERSUS.items()},
            "statements_per_order": {k: round(v, 1) for k, v in statements.items()},
            "allocated": allocated,
        }
    )
    assert allocated["ours_bulk"] == allocated["ours_single"]  # the same outcome, chunked or one by one
