"""The server killed (SIGKILL) mid-bulk and mid-wave, started again, and the client's retry with the same
Idempotency-Key finishing the job: nothing lost, nothing doubled, no key stuck.

``wms serve`` runs as a real subprocess on a fresh copy of the generated world, with
``WMS_IDEMPOTENCY_LEASE_S`` = ``WMS_SOAK_LEASE_S`` (12: longer than a restart takes here, so
the retry meets the dead request's lease) and waves planned in the request
(``WMS_WAVE_SYNC_MAX_ORDERS`` very large).

1. Bulk: ``WMS_SOAK_CRASH_BULK`` (500) orders in one ``POST /v1/orders/bulk`` with a key; the
   server is killed once ``WMS_SOAK_CRASH_KILL_AT`` (150) of them are in the database (polled),
   started again, and the same request is retried with the same key every 0.25 s (faster than
   ``Retry-After`` asks, to time the lease) until it answers: 409 ``idempotency_in_progress`` with
   ``Retry-After`` while the dead request's lease runs, then 200. Every order then exists exactly
   once, the answer names each (created after the kill, existing before it), and a replay gives the
   same answer.
2. Wave: ``POST /v1/waves`` of the main warehouse's allocated orders with ``time_limit_s`` =
   ``WMS_SOAK_CRASH_WAVE_LIMIT_S`` (20), killed ``WMS_SOAK_CRASH_WAVE_KILL_S`` (1.5) s after its wave
   appeared in the database (still ``planning``); started again; the retry with the same key must
   name the same wave (201 or 202), which must end ``planned`` by the retry or the sweeper within
   ``WMS_SOAK_CRASH_WAVE_WAIT_S`` (420 s); exactly one wave holds those orders; invariants hold.

    python -m pytest benchmarks/test_soak_crash.py -q -s
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from benchmarks.conftest import ORDER_SEED, Database, Templates
from benchmarks.generate import make_orders
from benchmarks.soak import knob, load, report
from benchmarks.soak_server import Server
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from wms.auth.keys import create_key
from wms.db import READ_ONLY

LEASE_S = knob("WMS_SOAK_LEASE_S", 12.0)
BULK = int(knob("WMS_SOAK_CRASH_BULK", 500))
KILL_AT = int(knob("WMS_SOAK_CRASH_KILL_AT", 150))
WAVE_LIMIT_S = knob("WMS_SOAK_CRASH_WAVE_LIMIT_S", 20.0)
WAVE_KILL_S = knob("WMS_SOAK_CRASH_WAVE_KILL_S", 1.5)
WAVE_WAIT_S = knob("WMS_SOAK_CRASH_WAVE_WAIT_S", 420.0)
POLL_S = 0.25


def _count(db: Database, sql: str, **params: Any) -> Any:
    """One value, read beside the server (on SQLite without taking the write lock the server needs)."""
    with db.engine.execution_options(**{READ_ONLY: True}).connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _in_background(fn: Any) -> tuple[threading.Thread, list[Any]]:
    """Run ``fn`` in a thread; its result or exception lands in the returned list."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except Exception as exc:
            out.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def _retry_until_answered(
    client: httpx.Client, path: str, body: Any, key: str, ok: set[int], timeout: float
) -> tuple[httpx.Response, list[httpx.Response], float]:
    """(the answer, the 409s before it, seconds it took). Anything but 409 in progress or ``ok`` fails."""
    t0, waits = time.perf_counter(), []
    while time.perf_counter() - t0 < timeout:
        r = client.post(path, json=body, headers={"Idempotency-Key": key})
        if r.status_code in ok:
            return r, waits, time.perf_counter() - t0
        assert r.status_code == 409 and r.json()["error"]["code"] == "idempotency_in_progress", (r.status_code, r.text)
        assert int(r.headers["Retry-After"]) >= 1, r.headers
        waits.append(r)
        time.sleep(POLL_S)
    raise AssertionError(f"{path} with key {key} got no answer within {timeout} s (the key is stuck)")


def _bulk(db: Database, server: Server, token: str, orders: list[dict[str, Any]], prefix: str) -> dict[str, Any]:
    body, key = {"orders": orders}, f"bulk-{prefix}"
    first = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=600)
    thread, answer = _in_background(lambda: first.post("/v1/orders/bulk", json=body, headers={"Idempotency-Key": key}))
    like = f"{prefix}-%"
    t0 = time.perf_counter()
    while _count(db, "SELECT count(*) FROM orders WHERE external_id LIKE :p", p=like) < KILL_AT:
        assert thread.is_alive(), f"the bulk ended before the kill: {answer}"
        assert time.perf_counter() - t0 < 600, "the bulk does not progress"
        time.sleep(0.02)
    server.kill()
    killed = time.perf_counter()
    thread.join(30)
    first.close()
    assert answer and isinstance(answer[0], httpx.TransportError), f"the killed request was answered: {answer}"
    before = _count(db, "SELECT count(*) FROM orders WHERE external_id LIKE :p", p=like)
    assert 0 < before < len(orders), before
    up = server.start()
    with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=600) as c:
        r, waits, took = _retry_until_answered(c, "/v1/orders/bulk", body, key, {200}, LEASE_S + 600)
        recovered = time.perf_counter() - killed
        got = r.json()
        replay = c.post("/v1/orders/bulk", json=body, headers={"Idempotency-Key": key})
    assert replay.status_code == 200 and replay.headers.get("Idempotent-Replayed") == "true" and replay.json() == got
    results = got["results"]
    assert [x["index"] for x in results] == list(range(len(orders)))
    assert [x["external_id"] for x in results] == [o["external_id"] for o in orders]
    assert all(x["order_id"] for x in results), [x for x in results if not x["order_id"]][:3]
    assert (got["created"], got["existing"], got["errors"]) == (len(orders) - before, before, 0), (
        got["created"],
        got["existing"],
        got["errors"],
        before,
    )
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT external_id, count(*), min(id) FROM orders WHERE external_id LIKE :p GROUP BY external_id"),
            {"p": like},
        ).all()
    assert len(rows) == len(orders) and all(n == 1 for _, n, _ in rows)
    assert {e: i for e, _, i in rows} == {x["external_id"]: x["order_id"] for x in results}
    assert_stock_invariants(db.engine)
    assert_reservations_consistent(db.engine)
    return {
        "orders": len(orders),
        "in_db_at_kill": before,
        "restart_s": round(up, 2),
        "retries_409": len(waits),
        "retry_after": sorted({w.headers["Retry-After"] for w in waits}),
        "restart_to_200_s": round(took, 2),
        "kill_to_200_s": round(recovered, 2),
        "created_by_retry": got["created"],
        "existing": got["existing"],
    }


def _main_warehouse(db: Database) -> tuple[str, int]:
    with db.engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT w.code, count(*) FROM shipments s JOIN warehouses w ON w.id = s.warehouse_id "
                    "WHERE s.status = 'allocated' GROUP BY w.code ORDER BY 2 DESC LIMIT 1"
                )
            ).one()
        )  # type: ignore[return-value]


def _wave(db: Database, server: Server, token: str, tag: str) -> dict[str, Any]:
    code, shipments = _main_warehouse(db)
    body = {"warehouse": code, "cart": {"max_units": 24}, "time_limit_s": WAVE_LIMIT_S}
    key = f"wave-{tag}"
    first = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=600)
    sent = time.perf_counter()
    thread, answer = _in_background(lambda: first.post("/v1/waves", json=body, headers={"Idempotency-Key": key}))
    while (wave_id := _count(db, "SELECT max(id) FROM waves")) is None:
        assert thread.is_alive(), f"the wave was answered before it was seen: {answer}"
        time.sleep(0.02)
    seen = time.perf_counter()
    time.sleep(WAVE_KILL_S)
    status = _count(db, "SELECT status FROM waves WHERE id = :w", w=wave_id)
    assert status == "planning", f"the wave was {status} before the kill: make it larger or kill it sooner"
    server.kill()
    killed = time.perf_counter()
    thread.join(30)
    first.close()
    assert answer and isinstance(answer[0], httpx.TransportError), f"the killed request was answered: {answer}"
    up = server.start()
    with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=600) as c:
        r, waits, took = _retry_until_answered(c, "/v1/waves", body, key, {201, 202}, LEASE_S + 600)
        recovered = time.perf_counter() - killed
        answered = r.json()
        assert answered["id"] == wave_id, (answered["id"], wave_id)
        t0 = time.perf_counter()
        while (w := c.get(f"/v1/waves/{wave_id}").json())["status"] == "planning":
            assert time.perf_counter() - t0 < WAVE_WAIT_S, f"wave {wave_id} still planning after {WAVE_WAIT_S} s"
            time.sleep(1)
        planned = time.perf_counter()
    assert w["status"] == "planned", w
    with db.engine.connect() as conn:
        waves = conn.execute(text("SELECT id, status FROM waves")).all()
        held = conn.execute(text("SELECT count(*) FROM shipments WHERE wave_id = :w"), {"w": wave_id}).scalar()
        picked_orders = {
            o
            for (o,) in conn.execute(
                text(
                    "SELECT DISTINCT st.order_id FROM pick_list_stops st JOIN pick_lists pl ON pl.id = st.pick_list_id "
                    "WHERE pl.wave_id = :w"
                ),
                {"w": wave_id},
            )
        }
    assert waves == [(wave_id, "planned")], waves
    assert picked_orders == set(w["orders"]) == set(answered["orders"])
    assert_stock_invariants(db.engine)
    assert_reservations_consistent(db.engine)
    return {
        "warehouse": code,
        "shipments": held,
        "orders": len(w["orders"]),
        "pick_lists": len(w["pick_lists"]),
        "kill_after_wave_s": round(killed - seen, 2),
        "request_to_kill_s": round(killed - sent, 2),
        "restart_s": round(up, 2),
        "retries_409": len(waits),
        "retry_answer": r.status_code,
        "restart_to_answer_s": round(took, 2),
        "kill_to_answer_s": round(recovered, 2),
        "kill_to_planned_s": round(planned - killed, 1),
        "method": w["method"],
    }


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_server_killed_mid_bulk_and_mid_wave(
    templates: Templates, world: dict[str, Any], backend: str, tmp_path: Path
) -> None:
    db = templates.fresh(backend)
    tag = uuid.uuid4().hex[:6]
    erp, planner = create_key(db.uow(), "erp")[1], create_key(db.uow(), "planner")[1]
    server = Server(
        db.settings.database_url,
        tmp_path / "serve.log",
        WMS_IDEMPOTENCY_LEASE_S=str(LEASE_S),
        WMS_WAVE_SYNC_MAX_ORDERS="100000",
        WMS_WEBHOOK_RELAY_INTERVAL_S="0",
    )
    load_before = load()
    orders = make_orders(world, BULK, seed=ORDER_SEED, prefix=f"CRASH-{tag}")
    server.start()
    try:
        bulk = _bulk(db, server, erp, orders, f"CRASH-{tag}")
        wave = _wave(db, server, planner, tag)
    finally:
        server.stop()
        print(f"\n(server log: {server.log})")
    report(
        f"crash-{backend}",
        {
            "backend": backend,
            "lease_s": LEASE_S,
            "bulk": bulk,
            "wave": wave,
            "load_before": load_before,
            "load_after": load(),
        },
    )
    db.close()
