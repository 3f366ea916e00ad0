"""Several processes, one truth: a floor's day through two `wms serve` (one of them with --workers 2, so three
API processes) and one `wms worker`, sharing one PostgreSQL database and one Redis queue.

Requests alternate between the two servers (and land on either worker of the first). Waves are planned in the
background by the RQ worker; the leader's sweeper hands out again what is not leased yet. Every process relays
webhooks. Afterwards: stock on hand equals the ledger, reservations equal allocations, every wave was planned
once (one lease taken, no stop stored twice), nothing was picked twice, and the receiver got every event
exactly once, in order. Then the leader is killed (SIGKILL): another process takes the lead, and the servers still
up answer (the first one's supervisor replaces a killed worker).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from tests.api.orders_helpers import order_body
from tests.api.picking_helpers import stock_floor
from tests.conftest import Api, Backend, make_token, open_backend
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from tests.webhook_receiver import Receiver
from wms.auth.keys import create_key
from wms.db import UnitOfWork, make_session_factory
from wms.jobs.leader import HELD_HERE, LOCK_KEY

WAIT_S = 60.0  # how long anything may take before the test fails (not a measure: a bound against hanging)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _until(what: str, check: Any, timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout:g} s: {what}")


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wms", *args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the supervisor and its workers
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


@contextmanager
def server(env: dict[str, str], log: Path, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A `wms serve` starting (see ``wait_up``): its URL and process."""
    port = _free_port()
    with process(["serve", "--port", str(port), "--workers", str(workers)], env, log) as proc:
        yield f"http://127.0.0.1:{port}", proc


def wait_up(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    def up() -> bool:
        assert proc.poll() is None, f"wms serve exited with {proc.returncode}: {log.read_text()}"
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    _until(f"{base} answers", up)


def leader_pid(engine: Engine) -> int | None:
    """The process holding the leader's advisory lock (its connection is named wms-leader-<pid>)."""
    with engine.connect() as conn:
        names = (
            conn.execute(
                text(
                    f"SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE {HELD_HERE}"
                ),
                {"key": LOCK_KEY},
            )
            .scalars()
            .all()
        )
    assert len(names) <= 1
    return int(names[0].removeprefix("wms-leader-")) if names else None


class Alternating:
    """The two servers in turn, request by request (an httpx client each, kept alive)."""

    def __init__(self, bases: list[str]) -> None:
        self.clients = [httpx.Client(base_url=b, timeout=60) for b in bases]
        self._next = cycle(self.clients)
        self.sent = dict.fromkeys(bases, 0)

    def _pick(self) -> httpx.Client:
        client = next(self._next)
        self.sent[str(client.base_url).rstrip("/")] += 1
        return client

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self._pick().get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self._pick().post(path, **kwargs)

    def close(self) -> None:
        for c in self.clients:
            c.close()


def a_day(backend: Backend, admin: Api, both: Alternating) -> list[int]:
    """Stock, orders, two waves planned in the background, picked, packed, shipped; the waves' ids."""
    stock_floor(admin)
    erp, planner = (Api(both, make_token(backend, role)) for role in ("erp", "planner"))  # type: ignore[arg-type]
    pickers = [Api(both, make_token(backend, "picker", "WH1")) for _ in range(2)]  # type: ignore[arg-type]
    waves = []
    for batch in range(2):
        for k in range(6):
            erp.post(
                "/v1/orders", order_body(("TEA", 1 + k % 2), *([("MILK", 1)] if k % 2 else []), customer=f"C{batch}{k}")
            )
        started = planner.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 6}}, expect=202)
        assert started["status"] == "planning"  # WMS_WAVE_SYNC_MAX_ORDERS=0: an RQ job
        wave = _until(
            "the wave is planned",
            lambda: (w := planner.get(f"/v1/waves/{started['id']}"))["status"] != "planning" and w,
        )
        assert wave["status"] == "planned" and len(wave["orders"]) == 6
        waves.append(wave["id"])
    turn = 0
    while pl := pickers[turn % 2].post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=None):
        picker = pickers[turn % 2]
        turn += 1
        while (stop := pl["next_stop"]) is not None:
            body = {k: stop[k] for k in ("location", "sku", "lot", "quantity")} | {"stop_id": stop["id"]}
            pl = picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", body, key=f"scan-{stop['id']}")
        picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
    assert turn >= 2
    for o in erp.all("/v1/orders"):
        for sh in erp.get(f"/v1/orders/{o['id']}")["shipments"]:
            shipment = pickers[0].get(f"/v1/shipments/{sh['id']}")
            assert shipment["status"] == "picked"
            items = [{"sku": i["sku"], "lot": i["lot"], "quantity": i["quantity"]} for i in shipment["items"]]
            pickers[1].post(f"/v1/shipments/{sh['id']}/pack", {"items": items, "parcels": [{"weight_kg": 1.0}]})
            pickers[0].post(f"/v1/shipments/{sh['id']}/ship", expect=200)
    assert {o["status"] for o in erp.all("/v1/orders")} == {"shipped"}
    return waves


def test_two_servers_and_a_worker_share_one_database_and_one_queue(
    request: pytest.FixtureRequest, tmp_path: Path, redis_queue: tuple[str, str]
) -> None:
    redis_url, queue = redis_queue
    receiver = Receiver()
    with open_backend(request, "postgresql", tmp_path) as backend, ExitStack() as stack:
        stack.callback(receiver.close)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("WMS_")},
            "WMS_DATABASE_URL": backend.settings.database_url,
            "WMS_REDIS_URL": redis_url,
            "WMS_WAVE_QUEUE": queue,
            "WMS_WAVE_SYNC_MAX_ORDERS": "0",
            "WMS_WAVE_SWEEP_INTERVAL_S": "1",
            "WMS_LEADER_RETRY_S": "0.5",
            "WMS_WEBHOOK_RELAY_INTERVAL_S": "0.2",
        }
        # all at once: the worker, a server of two processes and one of one (which of the three leads is a race)
        worker = stack.enter_context(process(["worker"], env, tmp_path / "worker.log"))
        first, first_proc = stack.enter_context(server(env, tmp_path / "first.log", workers=2))
        second, second_proc = stack.enter_context(server(env, tmp_path / "second.log", workers=1))
        wait_up(first, first_proc, tmp_path / "first.log")
        wait_up(second, second_proc, tmp_path / "second.log")
        both = Alternating([first, second])
        stack.callback(both.close)
        admin = Api(both, make_token(backend, "admin"))  # type: ignore[arg-type]
        admin.post("/v1/webhooks", {"url": receiver.endpoint("erp"), "secret": "s" * 20})

        waves = a_day(backend, admin, both)
        assert worker.poll() is None
        assert min(both.sent.values()) > 20  # both servers did their share

        engine = backend.engine
        assert_stock_invariants(engine)
        assert_reservations_consistent(engine)
        with engine.connect() as conn:
            attempts = dict(conn.execute(text("SELECT id, attempts FROM waves")).all())
            doubled_stops = conn.execute(
                text("SELECT allocation_id FROM pick_list_stops GROUP BY allocation_id HAVING count(*) > 1")
            ).all()
            over_picked = conn.execute(
                text(
                    "SELECT ol.id FROM order_lines ol JOIN pick_list_stops s ON s.order_id = ol.order_id "
                    "JOIN allocations a ON a.id = s.allocation_id "
                    "JOIN shipment_lines sl ON sl.id = a.shipment_line_id AND sl.order_line_id = ol.id "
                    "GROUP BY ol.id, ol.quantity HAVING sum(s.picked_quantity) > ol.quantity"
                )
            ).all()
            last_seq = conn.execute(text("SELECT last_seq FROM outbox_counter")).scalar_one()
        assert attempts == dict.fromkeys(waves, 1)  # each wave's lease taken once: planned once
        assert doubled_stops == [] and over_picked == []

        endpoint = receiver.endpoints["erp"]
        _until("every event reached the receiver", lambda: len(endpoint.taken()) >= last_seq)
        first_seq = endpoint.taken()[0]
        assert endpoint.taken() == list(range(first_seq, last_seq + 1))  # each once, in order
        assert endpoint.max_in_flight == 1

        # the leader dies: another process leads at its next try. A worker of the first server is replaced by
        # its supervisor; the second server is one process: if it led, it is gone
        dead = leader_pid(engine)
        assert dead is not None
        os.kill(dead, signal.SIGKILL)
        successor = _until("another process leads", lambda: (pid := leader_pid(engine)) not in (None, dead) and pid)
        assert successor != dead
        alive = [first] if dead == second_proc.pid else [first, second]
        for base in alive:
            _until(f"{base} answers", lambda b=base: httpx.get(f"{b}/healthz", timeout=5).status_code == 200)
        survivors = Alternating(alive)
        stack.callback(survivors.close)
        erp = Api(survivors, make_token(backend, "erp"))  # type: ignore[arg-type]
        erp.post("/v1/orders", order_body(("TEA", 1), customer="after"))
        _until("the new event reached the receiver", lambda: len(endpoint.taken()) > last_seq - first_seq + 1)
        assert endpoint.taken() == sorted(set(endpoint.taken()))  # still each once, in order


def flock_holders(path: Path) -> set[int]:
    """The processes holding an flock on ``path`` (Linux: /proc/locks names the inode and the pid)."""
    inode = path.stat().st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            holders.add(int(fields[4]))
    return holders


def test_workers_on_one_sqlite_file_elect_one_leader(tmp_path: Path) -> None:
    """SQLite, `wms serve --workers 2`: one worker holds the flock beside the database; killed, the other
    (or its replacement) takes it; orders pushed through the port meanwhile all land in the one file."""
    database = tmp_path / "wms.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WMS_")},
        "WMS_DATABASE_URL": f"sqlite:///{database}",
        "WMS_LEADER_RETRY_S": "0.5",
    }
    log = tmp_path / "serve.log"
    with server(env, log, workers=2) as (base, proc):
        wait_up(base, proc, log)
        lock = Path(f"{database}.leader")
        first = _until("one worker leads", lambda: (held := flock_holders(lock)) and held)
        assert len(first) == 1
        engine = create_engine(f"sqlite:///{database}")
        token = create_key(UnitOfWork(make_session_factory(engine)), "admin", None)[1]
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
            assert api.post("/v1/items", json={"sku": "X", "name": "x"}).status_code == 201
            (dead,) = first
            os.kill(dead, signal.SIGKILL)
            _until("another worker leads", lambda: (held := flock_holders(lock)) and dead not in held)
            assert len(flock_holders(lock)) == 1
            for k in range(10):
                assert api.post("/v1/items", json={"sku": f"Y{k}", "name": "y"}).status_code == 201
            assert len(api.get("/v1/items", params={"limit": 100}).json()["items"]) == 11
        engine.dispose()
