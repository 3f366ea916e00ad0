"""A/B of two checkouts of the service: `wms serve --workers 1` from each, on one fresh PostgreSQL database,
both left to rest first (the numba warm-up), then interleaved rounds of the same requests (half `GET
/v1/items?limit=5`, half `POST /v1/items` with an Idempotency-Key), one client. Prints each server's CPU per
request (from /proc, its whole process tree), the CPU of the database's PostgreSQL backends during its rounds
(one server runs at a time, the other idles), and the client's median latency per round, and B / A.

    git worktree add /tmp/wms-a <rev>       # the other checkout (this one is B)
    python -m benchmarks.ab_servers /tmp/wms-a . --requests 300 --rounds 6
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.conftest import PG_SERVER_URL
from benchmarks.day_server import _proc_tree, cpu_s
from benchmarks.soak import Client, free_port
from wms.auth.keys import create_key
from wms.config import Settings
from wms.db import UnitOfWork, make_engine, make_session_factory
from wms.migrate import upgrade


def _tree_cpu(pid: int) -> float:
    return sum(cpu_s(p) for p in _proc_tree(pid))


def _serve(tree: Path, url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WMS_")}
    env.update(WMS_DATABASE_URL=url, WMS_WEBHOOK_RELAY_INTERVAL_S="0", PYTHONPATH=str(tree))
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wms", "serve", "--port", str(port), "--workers", "1"],
            cwd=tree,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, f"http://127.0.0.1:{port}"


def _at_rest(proc: subprocess.Popen[bytes], base: str) -> None:
    probe = Client(base, timeout=5)
    while probe.call("healthz", "GET", "/healthz", record=False)[0] != 200:
        if proc.poll() is not None:
            raise RuntimeError(f"the server of {base} exited")
        time.sleep(0.2)
    probe.close()
    while True:  # the background warm-up compiles kernels for a new checkout: wait until it is done
        before = _tree_cpu(proc.pid)
        time.sleep(3)
        if _tree_cpu(proc.pid) - before < 0.1:
            return


class Backends:
    """CPU seconds of the database's PostgreSQL backends (``/proc``), this one's own connection left out."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url, isolation_level="AUTOCOMMIT")
        self._conn = self._engine.connect()

    def cpu(self) -> dict[int, float]:
        pids = self._conn.scalars(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        )
        return {pid: cpu_s(pid) for pid in pids}

    def close(self) -> None:
        self._conn.close()
        self._engine.dispose()


def _round(
    proc: subprocess.Popen[bytes], base: str, token: str, n: int, backends: Backends
) -> tuple[float, float, float]:
    client = Client(base, token=token, timeout=30)
    pg_before = backends.cpu()
    before, latencies = _tree_cpu(proc.pid), []
    for i in range(n):
        t0 = time.perf_counter()
        if i % 2:
            status = client.call("get", "GET", "/v1/items?limit=5", record=False)[0]
        else:
            sku = f"AB{uuid.uuid4().hex[:12]}"
            status = client.call("post", "POST", "/v1/items", {"sku": sku, "name": sku}, key=sku, record=False)[0]
        latencies.append(time.perf_counter() - t0)
        if status not in (200, 201):
            raise RuntimeError(f"{base} answered {status}")
    client.close()
    server = 1000 * (_tree_cpu(proc.pid) - before) / n
    pg = 1000 * sum(cpu - pg_before.get(pid, 0.0) for pid, cpu in backends.cpu().items()) / n
    return server, pg, 1000 * statistics.median(latencies)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a", type=Path, help="checkout A (e.g. a git worktree of the old revision)")
    p.add_argument("b", type=Path, help="checkout B")
    p.add_argument("--requests", type=int, default=300, help="requests per round")
    p.add_argument("--rounds", type=int, default=6, help="rounds per server, interleaved")
    args = p.parse_args(argv)
    name = f"wms_ab_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        engine = make_engine(Settings(database_url=url))
        upgrade(engine)
        token = create_key(UnitOfWork(make_session_factory(engine)), "admin")[1]
        engine.dispose()
        logs = Path(os.environ.get("TMPDIR", "/tmp"))
        for label, tree in (("A", args.a), ("B", args.b)):
            servers[label] = _serve(tree.resolve(), url, logs / f"{name}_{label}.log")
        for proc, base in servers.values():
            _at_rest(proc, base)
        figures: dict[str, dict[str, list[float]]] = {k: {"cpu": [], "pg": [], "p50": []} for k in servers}
        backends = Backends(url)
        for r in range(args.rounds):
            for label in ("A", "B") if r % 2 == 0 else ("B", "A"):
                cpu, pg, p50 = _round(*servers[label], token, args.requests, backends)
                figures[label]["cpu"].append(cpu)
                figures[label]["pg"].append(pg)
                figures[label]["p50"].append(p50)
        backends.close()
        for label, f in figures.items():
            print(
                f"{label}: server CPU ms/request {[round(x, 2) for x in f['cpu']]} median "
                f"{statistics.median(f['cpu']):.2f}; PostgreSQL CPU ms/request {[round(x, 2) for x in f['pg']]} "
                f"median {statistics.median(f['pg']):.2f}; client p50 ms {[round(x, 2) for x in f['p50']]} median "
                f"{statistics.median(f['p50']):.2f}"
            )
        ratio = {
            k: statistics.median(figures["B"][k]) / statistics.median(figures["A"][k]) for k in ("cpu", "pg", "p50")
        }
        print(
            f"B / A: server CPU per request {ratio['cpu']:.3f}, PostgreSQL CPU per request {ratio['pg']:.3f}, "
            f"client p50 {ratio['p50']:.3f}"
        )
        return 0
    finally:
        for proc, _ in servers.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(30)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
