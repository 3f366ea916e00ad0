"""One leader among processes sharing a database (wms/jobs/leader.py), and work that must run once.

The leader runs the wave sweeper and housekeeping; the others try again every ``leader_retry_s``. A leader
that stops, dies or loses its database connection lets another take over. Waves handed to several
in-process dispatchers at once (one per server process) are still planned once, under the wave's lease.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.test_waves_api import push_orders, stocked
from tests.conftest import Api, Backend, make_token, open_backend
from wms.api.app import create_app
from wms.db import UnitOfWork, make_session_factory
from wms.jobs.dispatch import RQDispatcher
from wms.jobs.kinds import KINDS, WAVE
from wms.jobs.leader import HELD_HERE, LOCK_KEY, Leadership
from wms.periodic import Periodic

FOREVER = 3600.0  # the retry thread never wakes during a test: steps are taken by hand


def leadership(backend: Backend) -> Leadership:
    return Leadership(backend.engine, FOREVER)


def test_one_process_leads_and_another_takes_over_when_it_stops(backend: Backend) -> None:
    first, second = leadership(backend), leadership(backend)
    elected: list[str] = []
    first.on_elected(lambda: elected.append("first"))
    second.on_elected(lambda: elected.append("second"))
    first.start()
    second.start()
    try:
        assert first.held() and not second.held()
        second.step()
        first.step()  # the leader stays the leader, and is not elected again
        assert first.held() and not second.held() and elected == ["first"]
        first.stop()
        assert not first.held()
        second.step()
        assert second.held() and elected == ["first", "second"]
        first.step()  # stopped: it does not try again
        assert not first.held()
    finally:
        first.stop()
        second.stop()


def test_a_leader_whose_connection_is_cut_loses_the_lead(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    with open_backend(request, "postgresql", tmp_path) as backend:
        first, second = leadership(backend), leadership(backend)
        first.start()
        second.start()
        try:
            assert first.held() and not second.held()
            with backend.engine.begin() as conn:  # as a network failure or an admin would cut it
                cut = conn.execute(
                    text(
                        # this test's database only: other tests' (and programs') leaders hold the same key
                        f"SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE {HELD_HERE}"
                    ),
                    {"key": LOCK_KEY},
                ).all()
            assert cut == [(True,)]
            second.step()  # the session died with its lock: the next try of another process wins
            first.step()  # the old leader notices at its next check, and the lock is taken
            assert second.held() and not first.held()
        finally:
            first.stop()
            second.stop()


HOLD_FLOCK = """
import sys, time
from pathlib import Path
from wms.jobs.leader import FileLock
lock = FileLock(Path(sys.argv[1]))
assert lock.acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_a_dead_process_leaves_the_sqlite_lead_to_another(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """SQLite: the flock of a killed process is released by the kernel (PostgreSQL: a `wms serve` worker is
    killed in test_multiprocess_serve.py)."""
    with open_backend(request, "sqlite", tmp_path) as backend:
        path = f"{backend.engine.url.database}.leader"
        holder = subprocess.Popen([sys.executable, "-c", HOLD_FLOCK, path], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            ours = leadership(backend)
            ours.start()
            assert not ours.held()
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait(10)
            ours.step()
            assert ours.held()
            ours.stop()
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait(10)


def test_a_periodic_job_runs_only_while_its_process_leads() -> None:
    leads = threading.Event()
    passes: list[bool] = []
    ran = threading.Event()

    def run_pass() -> None:
        passes.append(leads.is_set())
        ran.set()

    job = Periodic("test", FOREVER, run_pass, when=leads.is_set)
    job.start()
    try:
        job.wake()  # not the leader: nothing runs
        job.wake()
        leads.set()
        job.wake()  # elected: the pass runs at once, not an interval later
        assert ran.wait(10)
    finally:
        job.stop()
    assert passes == [True]


def test_only_the_leading_app_sweeps_and_purges(backend: Backend) -> None:
    settings = backend.settings.model_copy(update={"leader_retry_s": FOREVER})
    with (
        TestClient(create_app(settings, backend.engine)) as one,
        TestClient(create_app(settings, backend.engine)) as two,
    ):
        assert one.app.state.leader.held() and not two.app.state.leader.held()
    with TestClient(create_app(settings, backend.engine)) as three:  # the lead was given back at shutdown
        assert three.app.state.leader.held()


def test_a_wave_handed_to_several_processes_is_planned_once(backend: Backend) -> None:
    """No Redis, several server processes: the one that took the request and the leader's sweeper may both
    hand a wave to their in-process planners. Here four planners get every wave at once."""
    settings = backend.settings.model_copy(update={"wave_sync_max_orders": 0, "wave_sweep_interval_s": 0})
    with TestClient(create_app(settings, backend.engine)) as client:
        api = Api(client, make_token(backend, "admin"))
        stocked(api)
        client.app.state.dispatcher.close()
        client.app.state.dispatcher = type("Nobody", (), {"submit": lambda self, w: None, "close": lambda self: None})()
        waves = []
        for _ in range(3):
            push_orders(api, 4)
            waves.append(api.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 6}}, expect=202)["id"])
        # each "process" its own sessions, two workers each; every job runs (a closing dispatcher would cancel
        # those still queued, which the sweeper hands out again) and a failed one fails the test with its error
        factories = [make_session_factory(backend.engine) for _ in range(4)]
        with ThreadPoolExecutor(max_workers=2 * len(factories)) as pool:
            runs = [
                pool.submit(KINDS[WAVE].run, UnitOfWork(factory), wave_id, lambda: False)
                for wave_id in waves
                for factory in factories
                for _ in range(2)
            ]
            statuses = [run.result() for run in runs]
        assert set(statuses) <= {"planning", "planned"}  # "planning": another held the lease
        for wave_id in waves:
            assert api.get(f"/v1/waves/{wave_id}")["status"] == "planned"
    with backend.engine.connect() as conn:
        attempts = conn.execute(text("SELECT id, attempts FROM waves ORDER BY id")).all()
        doubled = conn.execute(
            text("SELECT allocation_id FROM pick_list_stops GROUP BY allocation_id HAVING count(*) > 1")
        ).all()
        stops_per_order = conn.execute(
            text(
                "SELECT s.order_id, count(DISTINCT p.wave_id) FROM pick_list_stops s "
                "JOIN pick_lists p ON p.id = s.pick_list_id GROUP BY s.order_id"
            )
        ).all()
    assert [a for _, a in attempts] == [1, 1, 1]  # one lease taken per wave: planned once
    assert doubled == []  # nothing stored twice
    assert len(stops_per_order) == 12 and {n for _, n in stops_per_order} == {1}


def test_a_wave_waits_in_the_queue_once(
    backend: Backend, redis_queue: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With Redis: the request queues the wave; the sweeper of the leader (another process) handing it out
    again while no worker has taken it adds no second job. Once a worker took it, it may be queued again."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    redis_url, queue = redis_queue
    settings = backend.settings.model_copy(
        update={"redis_url": redis_url, "wave_queue": queue, "wave_sync_max_orders": 0, "wave_sweep_interval_s": 0}
    )
    redis = Redis.from_url(redis_url)
    waiting = Queue(queue, connection=redis)
    with TestClient(create_app(settings, backend.engine)) as client:
        api = Api(client, make_token(backend, "admin"))
        stocked(api)
        push_orders(api, 4)
        wave_id = api.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 6}}, expect=202)["id"]
        sweeper = RQDispatcher(redis_url, queue)
        sweeper.submit(wave_id)
        sweeper.submit(wave_id)
        assert waiting.count == 1
        monkeypatch.setenv("WMS_DATABASE_URL", backend.settings.database_url)
        SimpleWorker([queue], connection=redis).work(burst=True)
        assert api.get(f"/v1/waves/{wave_id}")["status"] == "planned"
        assert waiting.count == 0
        sweeper.submit(wave_id)  # taken and done: a new job may be queued (it finds the wave planned)
        assert waiting.count == 1
        sweeper.close()
    redis.close()
