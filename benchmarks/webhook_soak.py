"""Webhooks against a flaky receiver and a healthy one, through real `wms serve` processes, timed.

    python -m benchmarks.webhook_soak                                  # SQLite, then PostgreSQL
    python -m benchmarks.webhook_soak --backend sqlite --slow 0.05     # more 10 s answers
    python -m benchmarks.webhook_soak --servers 1 --events 500

Two webhooks are registered, both served by one real HTTP receiver (``tests/webhook_receiver.py``):
*flaky* answers 500 to half the calls (seeded) and sleeps ``--slow-s`` (10 s, the relay's timeout) before
answering a fraction ``--slow`` (3 %) of them (an event the receiver took but whose 2xx came too late is
sent again: a duplicate); *healthy* answers 204 at once. ``--servers`` (2) `wms serve` processes share the database,
so two relays compete for the webhooks (leases). Orders are posted one every ``--pace`` (1) s until the
outbox holds ``--events`` events. Everything runs with the service's default webhook settings.

Printed per backend: events; the time from the first event to the last one taken by each receiver;
the lag of the healthy receiver's events created while the flaky one sat on a 10 s call;
the healthy receiver's lag (arrival minus the event's ``created_at``), max and p50; duplicates; whether
each receiver got every event in order (nothing before an earlier event was taken); calls, failures and
slow calls at the flaky one; the most calls the healthy one had in flight at once (1: one per webhook).
Needs the PostgreSQL of the tests (``WMS_TEST_POSTGRES_URL``) for ``--backend postgresql``.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.webhook_receiver import Endpoint, Receiver
from wms.auth.keys import create_key
from wms.config import Settings
from wms.db import UnitOfWork, make_engine, make_session_factory
from wms.events.schedule import RetryPolicy
from wms.migrate import upgrade

PG_SERVER_URL = os.environ.get("WMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
LAYOUT = {
    "aisles": 4,
    "aisle_pitch_m": 3.0,
    "blocks": 1,
    "bays_per_block": 10,
    "bay_width_m": 1.3,
    "cross_aisle_width_m": 2.0,
    "levels": 1,
    "depot_x_m": 0.0,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database(backend: str, folder: Path) -> tuple[str, object]:
    """(URL of a new database with the schema, a function that drops it)."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'wms.db'}"
        drop = lambda: None  # noqa: E731 - the folder goes
    else:
        name = f"wms_soak_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    engine = make_engine(Settings(database_url=url))
    upgrade(engine)
    engine.dispose()
    return url, drop


def _world(api: httpx.Client) -> None:
    api.post("/v1/warehouses", json={"code": "WH", "name": "Soak", "layout": LAYOUT}).raise_for_status()
    api.post("/v1/items", json={"sku": "TEA", "name": "Tea"}).raise_for_status()
    api.post(
        "/v1/receipts",
        json={
            "warehouse": "WH",
            "reference": "PO",
            "lines": [
                {"sku": "TEA", "lot": "T1", "expiry_date": None, "quantity": 100_000, "location": "A01-B001-L1-L"}
            ],
        },
    ).raise_for_status()


def _order(n: int) -> dict:
    return {
        "external_id": f"soak-{n}",
        "channel": "web",
        "customer_id": f"c-{n}",
        "paid": True,
        "carrier": "UPS",
        "ship_to": {"name": "A", "line1": "1 Main St", "city": "Springfield", "postcode": "12345", "country": "US"},
        "promised_ship_by": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        "lines": [{"sku": "TEA", "quantity": 1}],
    }


def _in_order(taken: list[int], expected: list[int]) -> bool:
    seen: set[int] = set()
    for seq in taken:
        if seq not in seen:
            if len(seen) == len(expected) or seq != expected[len(seen)]:
                return False
            seen.add(seq)
    return len(seen) == len(expected)


def _done_at(endpoint: Endpoint, expected: list[int]) -> float | None:
    """When the last expected event was first taken."""
    first: dict[int, float] = {}
    for c in endpoint.calls:
        if 200 <= c.status < 300:
            first.setdefault(c.seq, c.at)
    return max(first[s] for s in expected) if all(s in first for s in expected) else None


def run(backend: str, args: argparse.Namespace) -> None:
    rng, lock = random.Random(args.seed), threading.Lock()

    def flaky(_seq: int, _nth: int) -> tuple[int, float]:
        with lock:
            status = 500 if rng.random() < args.fail else 204
            return status, args.slow_s if rng.random() < args.slow else 0.0

    receiver = Receiver()
    urls = {"flaky": receiver.endpoint("flaky", flaky), "healthy": receiver.endpoint("healthy")}
    with tempfile.TemporaryDirectory(prefix="wms-webhook-soak-") as tmp:
        url, drop = _database(backend, Path(tmp))
        engine = make_engine(Settings(database_url=url))
        token = create_key(UnitOfWork(make_session_factory(engine)), "admin")[1]
        env = {**os.environ, "WMS_DATABASE_URL": url}
        ports = [_free_port() for _ in range(args.servers)]
        servers = [
            subprocess.Popen(
                [sys.executable, "-m", "wms", "serve", "--port", str(p)],
                cwd=tmp,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for p in ports
        ]
        try:
            base = f"http://127.0.0.1:{ports[0]}"
            for p, server in zip(ports, servers, strict=True):
                while True:
                    if server.poll() is not None:
                        raise RuntimeError(f"wms serve on port {p} exited with {server.returncode}")
                    try:
                        httpx.get(f"http://127.0.0.1:{p}/healthz", timeout=5).raise_for_status()
                        break
                    except httpx.TransportError:
                        time.sleep(0.05)
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
                _world(api)
                for name in ("flaky", "healthy"):
                    api.post("/v1/webhooks", json={"url": urls[name]}).raise_for_status()
                start_seq = api.get("/v1/events", params={"limit": 1}).json()["last_seq"]
                n, last = 0, start_seq
                while last - start_seq < args.events:
                    api.post("/v1/orders", json=_order(n)).raise_for_status()
                    n, last = n + 1, api.get("/v1/events", params={"limit": 1}).json()["last_seq"]
                    time.sleep(args.pace)
                expected = list(range(start_seq + 1, last + 1))
                created: dict[int, float] = {}
                while len(created) < len(expected):
                    page = api.get("/v1/events", params={"after": start_seq + len(created), "limit": 500}).json()
                    created |= {e["seq"]: datetime.fromisoformat(e["created_at"]).timestamp() for e in page["items"]}
                deadline = time.time() + args.max_s
                while time.time() < deadline and any(_done_at(receiver.endpoints[k], expected) is None for k in urls):
                    time.sleep(0.5)
                hooks = api.get("/v1/webhooks").json()["items"]
        finally:
            for s in servers:
                s.terminate()
            for s in servers:
                s.wait(60)
            receiver.close()
            engine.dispose()
            drop()  # type: ignore[operator]
    _report(backend, args, receiver, expected, created, hooks, n)


def _report(
    backend: str,
    args: argparse.Namespace,
    receiver: Receiver,
    expected: list[int],
    created: dict[int, float],
    hooks: list[dict],
    orders: int,
) -> None:
    first_event = min(created.values())
    flaky, healthy = receiver.endpoints["flaky"], receiver.endpoints["healthy"]
    arrived = {c.seq: c.at for c in reversed(healthy.calls) if 200 <= c.status < 300}  # the first arrival
    lags = sorted(arrived[seq] - created[seq] for seq in expected if seq in arrived)
    print(
        f"{backend}, {args.servers} server(s): {len(expected)} events ({orders} orders, one every "
        f"{args.pace} s, {created[expected[-1]] - first_event:.0f} s)",
        flush=True,
    )
    for name, endpoint in (("flaky", flaky), ("healthy", healthy)):
        done = _done_at(endpoint, expected)
        taken = endpoint.taken()
        print(
            f"  {name}: all {len(set(taken) & set(expected))}/{len(expected)} taken "
            f"{'after %.0f s' % (done - first_event) if done else 'NOT within %d s' % args.max_s}, in order: "
            f"{_in_order(taken, expected)}, duplicates {len(taken) - len(set(taken))}, calls {len(endpoint.calls)}, "
            f"failed {sum(c.status >= 300 for c in endpoint.calls)}, "
            f"slow {sum(c.sleep_s > 0 for c in endpoint.calls)}, max in flight {endpoint.max_in_flight}",
            flush=True,
        )
    calls = sorted(flaky.calls, key=lambda c: c.at)
    gaps = [(b.at - a.at - a.sleep_s, 200 <= a.status < 300) for a, b in zip(calls, calls[1:])]
    streaks, k = [], 0  # the failure streak each failed call ended (1, 2, …)
    for c in calls:
        k = 0 if 200 <= c.status < 300 else k + 1
        if k:
            streaks.append(k)
    policy = RetryPolicy.from_settings(Settings())
    mean_backoff = sum(min(policy.max_s, policy.initial_s * 2 ** (k - 1)) / 2 for k in streaks)
    print(
        f"  flaky: time between an answer and the next call, summed: after a failure "
        f"{sum(g for g, ok in gaps if not ok):.0f} s (the mean backoff of these streaks: {mean_backoff:.0f} s; "
        f"longest streak {max(streaks, default=0)}), after a success {sum(g for g, ok in gaps if ok):.0f} s; "
        f"answers after {args.slow_s:.0f} s {sum(c.sleep_s for c in calls):.0f} s",
        flush=True,
    )
    slow = [(c.at, c.at + c.sleep_s) for c in flaky.calls if c.sleep_s > 0]
    during = [arrived[q] - t for q, t in created.items() if q in arrived and any(a <= t <= b for a, b in slow)]
    print(
        f"  healthy events created while the flaky receiver sat on a slow call: {len(during)}, their max lag "
        f"{max(during, default=0):.2f} s",
        flush=True,
    )
    print(
        f"  healthy lag: max {max(lags):.2f} s, p50 {statistics.median(lags):.2f} s; webhooks at the end: "
        + "; ".join(f"{h['url'].rsplit('/', 1)[1]} active={h['active']} attempts={h['attempts']}" for h in hooks),
        flush=True,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--events", type=int, default=220)
    p.add_argument("--pace", type=float, default=1.0, help="seconds between orders")
    p.add_argument("--fail", type=float, default=0.5, help="share of calls the flaky receiver fails")
    p.add_argument("--slow", type=float, default=0.03, help="share of calls it answers after --slow-s")
    p.add_argument("--slow-s", type=float, default=10.0)
    p.add_argument("--servers", type=int, default=2)
    p.add_argument("--seed", type=int, default=10)
    p.add_argument("--max-s", type=float, default=900, help="give up waiting after this long")
    args = p.parse_args()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args)


if __name__ == "__main__":
    main()
