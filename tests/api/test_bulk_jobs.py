"""A bulk push above WMS_BULK_SYNC_MAX_ORDERS is a job: 202 with its Location, polled until done.

The limit is 3 here and chunks are 2 orders, so a handful of orders make a job of several chunks. A job's
results are those the same batch gets pushed synchronously into a fresh database; a worker that dies after
a chunk leaves a job that the next worker finishes, every order created once and reported ``created``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import text

from tests.api.orders_helpers import order_body
from tests.conftest import SMALL_LAYOUT, Api, Backend, make_token, open_backend
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from wms.api import idempotency
from wms.api.app import create_app
from wms.db import make_session_factory
from wms.jobs.dispatch import InProcessDispatcher
from wms.jobs.kinds import INTAKE
from wms.orders import intake, intake_jobs, services

LIMIT = 3
NOT_STARTED = {"submit": lambda self, job_id, kind="wave": None, "close": lambda self: None}


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "CHUNK", 2)


@contextmanager
def served(backend: Backend, **settings: Any) -> Iterator[tuple[TestClient, Api]]:
    """The app with a bulk sync limit of 3 (unless ``settings`` say otherwise), its admin, and a stocked WH1."""
    config = backend.settings.model_copy(update={"bulk_sync_max_orders": LIMIT, "wave_sweep_interval_s": 0, **settings})
    with TestClient(create_app(config, backend.engine)) as client:
        admin = Api(client, make_token(backend, "admin"))
        admin.post("/v1/warehouses", {"code": "WH1", "name": "Main", "layout": SMALL_LAYOUT})
        for sku in ("TEA", "SOAP"):
            admin.post("/v1/items", {"sku": sku, "name": sku})
        lines = [
            {"sku": "TEA", "lot": "T-1", "expiry_date": None, "quantity": 5, "location": "A01-B001-L1-L"},
            {"sku": "SOAP", "lot": "S-1", "expiry_date": None, "quantity": 20, "location": "A01-B002-L1-L"},
        ]
        admin.post("/v1/receipts", {"warehouse": "WH1", "reference": "PO", "lines": lines})
        yield client, admin


def batch() -> list[dict[str, Any]]:
    """New orders (TEA runs short: a backorder), an unknown SKU, an invalid order, one pushed twice."""
    orders: list[dict[str, Any]] = [
        order_body(("TEA", 2), ("SOAP", 1), external_id=f"J-{n}", customer=f"C{n % 3}") for n in range(4)
    ]
    orders.insert(2, order_body(("NOPE", 1), external_id="J-unknown"))
    orders.insert(4, {"external_id": "J-bad", "channel": "shop", "lines": []})
    orders.append(dict(orders[0]))
    orders.append(order_body(("SOAP", 2), external_id="J-last", paid=False))
    return orders


def post_bulk(api: Api, orders: list[dict[str, Any]], key: str | None = None) -> Response:
    headers = {**api.headers, **({"Idempotency-Key": key} if key else {})}
    return api.client.post("/v1/orders/bulk", json={"orders": orders}, headers=headers)


def poll(api: Api, location: str) -> dict[str, Any]:
    """The job once it is no longer queued or running (the worker is a thread of the app, or the sweeper's)."""
    deadline = time.monotonic() + 60
    while (job := api.get(location))["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.05)
    return job


def without_ids(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "order_id"} for r in results]


@pytest.mark.parametrize("name", ["sqlite", "postgresql"])
def test_a_job_answers_what_a_synchronous_push_answers(
    request: pytest.FixtureRequest, tmp_path: Path, name: str
) -> None:
    orders = batch()
    for directory in ("sync", "job"):
        (tmp_path / directory).mkdir()
    with (
        open_backend(request, name, tmp_path / "sync") as backend,
        served(backend, bulk_sync_max_orders=1000) as (_, api),
    ):
        sync = post_bulk(api, orders)
        assert sync.status_code == 200, sync.text
        expected = sync.json()
    with open_backend(request, name, tmp_path / "job") as backend:
        with served(backend) as (_, api):
            started = post_bulk(api, orders)
            assert started.status_code == 202, started.text
            location = started.headers["Location"]
            assert location == f"/v1/orders/bulk/jobs/{started.json()['id']}"
            assert started.json()["total"] == len(orders) and started.json()["status"] in ("queued", "running", "done")
            job = poll(api, location)
            assert job["status"] == "done" and job["finished_at"] is not None and job["error"] is None
            assert without_ids(job["results"]) == without_ids(expected["results"])
            assert (job["created"], job["existing"], job["errors"]) == (
                expected["created"],
                expected["existing"],
                expected["errors"],
            )
            assert job["processed"] == job["total"] == len(orders)
            by_external_id = {o["external_id"]: o["id"] for o in api.all("/v1/orders")}
            assert all(r["order_id"] == by_external_id[r["external_id"]] for r in job["results"] if r["order_id"])
            assert_stock_invariants(backend.engine)
            assert_reservations_consistent(backend.engine)
    codes = [(r["result"], r["status_code"]) for r in expected["results"]]
    assert ("error", 404) in codes and ("error", 422) in codes and ("existing", 200) in codes
    bad = next(r for r in expected["results"] if r["status_code"] == 422)
    assert bad["error"]["details"][0]["loc"][:3] == ["body", "orders", 4]


def test_a_job_of_invalid_orders_only_is_done_at_once_and_the_limit_counts_every_order(backend: Backend) -> None:
    with served(backend) as (client, api):
        client.app.state.dispatcher = type("NotStarted", (), NOT_STARTED)()
        at_limit = post_bulk(api, [{"external_id": f"X-{n}"} for n in range(LIMIT)])
        assert at_limit.status_code == 200 and at_limit.json()["errors"] == LIMIT
        started = post_bulk(api, [{"external_id": f"X-{n}"} for n in range(LIMIT + 1)])
        assert started.status_code == 202
        job = started.json()
        assert job["status"] == "done" and job["errors"] == job["processed"] == job["total"] == LIMIT + 1
        assert job["results"] is None  # the 202 is the job's state; its results come with a GET
        polled = api.get(started.headers["Location"])
        assert polled == {**job, "results": polled["results"]}
        results = polled["results"]
        assert [(r["index"], r["external_id"], r["status_code"]) for r in results] == [
            (n, f"X-{n}", 422) for n in range(LIMIT + 1)
        ]
        assert results[1]["error"]["details"][0]["loc"][:3] == ["body", "orders", 1]


def test_finished_jobs_are_purged_with_their_results_once_old(backend: Backend) -> None:
    with served(backend) as (client, api):
        client.app.state.dispatcher = type("NotStarted", (), NOT_STARTED)()
        done = post_bulk(api, [{"external_id": f"X-{n}"} for n in range(LIMIT + 1)]).headers["Location"]
        queued = post_bulk(api, batch()).headers["Location"]
        keep = timedelta(hours=48)
        assert intake_jobs.purge_finished(backend.uow(), keep) == 0  # not old yet
        with backend.engine.begin() as conn:  # three days later
            conn.execute(text("UPDATE intake_jobs SET created_at = '2000-01-01', finished_at = '2000-01-01'"))
            conn.execute(text("UPDATE intake_jobs SET finished_at = NULL WHERE status <> 'done'"))
        assert intake_jobs.purge_finished(backend.uow(), keep) == 1
        assert api.get(done, expect=404)["error"]["code"] == "bulk_job_not_found"
        assert api.get(queued)["status"] == "queued"  # not finished: kept, whatever its age
    with backend.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM intake_job_results")).scalar() == 1  # the queued job's


def test_who_may_read_a_job(backend: Backend) -> None:
    with served(backend) as (client, api):
        client.app.state.dispatcher = type("NotStarted", (), NOT_STARTED)()
        started = post_bulk(api, batch())
        location = started.headers["Location"]
        assert api.get(location)["status"] == "queued"  # no worker was told: it waits for the sweeper
        erp = Api(client, make_token(backend, "erp"))
        assert erp.get(location)["id"] == started.json()["id"]
        for token in (make_token(backend, "planner"), make_token(backend, "erp", "WH1")):
            other = Api(client, token)
            assert other.get(location, expect=403)["error"]["code"] in ("role_forbidden", "warehouse_forbidden")
            assert post_bulk(other, batch()).status_code == 403
        missing = erp.get("/v1/orders/bulk/jobs/999999", expect=404)
        assert missing["error"]["code"] == "bulk_job_not_found"
        erp.get("/v1/orders/bulk/jobs/0", expect=422)


class Crash(BaseException):
    """The worker's process dies: nothing of the job records a failure, its lease stays until it runs out."""


def test_a_worker_that_dies_after_a_chunk_is_replaced_and_every_order_is_created_once(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = [order_body(("SOAP", 1), external_id=f"K-{n}", customer=f"C{n}") for n in range(7)]
    real, chunks, died = intake.create_orders, [], threading.Event()

    def dies_in_the_second_chunk(*args: Any, **kwargs: Any) -> Any:
        chunks.append(1)
        if len(chunks) == 2:
            died.set()
            raise Crash()
        return real(*args, **kwargs)

    monkeypatch.setattr(intake, "create_orders", dies_in_the_second_chunk)
    with served(backend, wave_sweep_interval_s=0.1) as (_, api):
        started = post_bulk(api, orders)
        assert started.status_code == 202
        job_id = started.json()["id"]
        assert died.wait(60)
        half_way = api.get(started.headers["Location"])  # the first chunk committed before the second began
        assert half_way["status"] == "running" and half_way["processed"] == 2 and half_way["results"] is None
        assert intake_jobs.jobs_to_run(backend.uow()) == []  # its lease still holds: nobody takes it over
        expire(backend, job_id)
        job = poll(api, started.headers["Location"])  # the sweeper hands it out again
        assert job["status"] == "done"
        assert [(r["external_id"], r["result"], r["status_code"]) for r in job["results"]] == [
            (o["external_id"], "created", 201) for o in orders
        ]
        assert (job["created"], job["existing"], job["errors"]) == (7, 0, 0)
        assert sorted(o["external_id"] for o in api.all("/v1/orders")) == sorted(o["external_id"] for o in orders)
    with backend.engine.connect() as conn:
        assert conn.execute(text("SELECT attempts FROM intake_jobs WHERE id = :id"), {"id": job_id}).scalar() == 2
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_a_worker_that_lost_its_lease_records_nothing(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker stalled past its lease while another took the job over: its chunk rolls back, orders and all."""
    orders = [order_body(("SOAP", 1), external_id=f"L-{n}", customer=f"C{n}") for n in range(LIMIT + 1)]
    with served(backend) as (client, api):
        client.app.state.dispatcher = type("NotStarted", (), NOT_STARTED)()
        job_id = post_bulk(api, orders).json()["id"]
        real_todo = intake_jobs._todo

        def stalled(s: Any, job: int, attempt: int, stopping: Any) -> Any:
            todo = real_todo(s, job, attempt, stopping)
            s.commit()
            expire(backend, job)
            assert backend.uow().run(lambda u: intake_jobs._take_lease(u.session, job)) == attempt + 1
            return todo

        monkeypatch.setattr(intake_jobs, "_todo", stalled)
        assert intake_jobs.run_job(backend.uow(), job_id) == "running"  # gave up: no longer its job
        assert api.all("/v1/orders") == []
        assert api.get(f"/v1/orders/bulk/jobs/{job_id}")["processed"] == 0
        monkeypatch.setattr(intake_jobs, "_todo", real_todo)
        assert intake_jobs.run_job(backend.uow(), job_id) == "running"  # the other worker holds it
        expire(backend, job_id)  # ... and died
        assert intake_jobs.run_job(backend.uow(), job_id) == "done"
        job = api.get(f"/v1/orders/bulk/jobs/{job_id}")
        assert [r["result"] for r in job["results"]] == ["created"] * len(orders)
        assert len(api.all("/v1/orders")) == len(orders)


def test_a_stopping_worker_leaves_the_job_to_the_next_at_once(backend: Backend) -> None:
    """Its process shuts down (the in-process dispatcher closes): the chunk being pushed rolls back and the
    lease is given up, so the job is due again without waiting for the lease to run out."""
    orders = [order_body(("SOAP", 1), external_id=f"S-{n}", customer=f"C{n}") for n in range(LIMIT + 1)]
    with served(backend) as (client, api):
        client.app.state.dispatcher = type("NotStarted", (), NOT_STARTED)()
        job_id = post_bulk(api, orders).json()["id"]
        assert intake_jobs.run_job(backend.uow(), job_id, stopping=lambda: True) == "running"
        assert api.all("/v1/orders") == [] and api.get(f"/v1/orders/bulk/jobs/{job_id}")["processed"] == 0
        assert intake_jobs.jobs_to_run(backend.uow()) == [job_id]
        assert intake_jobs.run_job(backend.uow(), job_id) == "done"
        assert api.get(f"/v1/orders/bulk/jobs/{job_id}")["created"] == len(orders)


def test_closing_the_in_process_dispatcher_stops_a_job_at_its_next_chunk(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = [order_body(("SOAP", 1), external_id=f"D-{n}", customer=f"C{n}") for n in range(LIMIT + 1)]
    with served(backend) as (client, api):
        client.app.state.dispatcher = type("NotStarted", (), NOT_STARTED)()
        job_id = post_bulk(api, orders).json()["id"]
        real, pushing, go_on = intake.create_orders, threading.Event(), threading.Event()

        def held(*args: Any, **kwargs: Any) -> Any:
            pushing.set()
            assert go_on.wait(60)
            return real(*args, **kwargs)

        monkeypatch.setattr(intake, "create_orders", held)
        dispatcher = InProcessDispatcher(make_session_factory(backend.engine))
        dispatcher.submit(job_id, INTAKE)
        assert pushing.wait(60)  # in its first chunk
        closing = threading.Thread(target=dispatcher.close)
        closing.start()
        while not dispatcher._stopping.is_set():
            time.sleep(0.01)
        go_on.set()
        closing.join(60)
        assert not closing.is_alive()
        assert api.all("/v1/orders") == [] and api.get(f"/v1/orders/bulk/jobs/{job_id}")["status"] == "running"
        assert intake_jobs.jobs_to_run(backend.uow()) == [job_id]  # due again at once


def expire(backend: Backend, job_id: int) -> None:
    """The job's lease runs out."""
    with backend.engine.begin() as conn:
        conn.execute(text("UPDATE intake_jobs SET lease_until = created_at WHERE id = :id"), {"id": job_id})


def test_a_failing_job_is_retried_then_given_up_with_its_error(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = [order_body(("SOAP", 1), external_id=f"F-{n}", customer=f"C{n}") for n in range(5)]
    with served(backend) as (client, api):
        client.app.state.dispatcher = type("NotStarted", (), NOT_STARTED)()
        job_id = post_bulk(api, orders).json()["id"]
        real, chunks = intake.create_orders, []

        def fails_from_the_second_chunk(*args: Any, **kwargs: Any) -> Any:
            chunks.append(1)
            if len(chunks) >= 2:
                raise RuntimeError("disk full")
            return real(*args, **kwargs)

        monkeypatch.setattr(intake, "create_orders", fails_from_the_second_chunk)
        for _ in range(intake_jobs.MAX_ATTEMPTS):
            assert intake_jobs.jobs_to_run(backend.uow()) == [job_id]  # released for the sweeper each time
            with pytest.raises(RuntimeError):
                intake_jobs.run_job(backend.uow(), job_id)
        job = api.get(f"/v1/orders/bulk/jobs/{job_id}")
        assert job["status"] == "failed" and "disk full" in job["error"]
        assert [r["result"] for r in job["results"]] == ["created", "created"]  # the chunk it got to
        assert intake_jobs.jobs_to_run(backend.uow()) == []
        assert intake_jobs.run_job(backend.uow(), job_id) == "failed"


def test_an_idempotency_key_gives_back_the_same_job(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    orders = batch()
    with served(backend) as (_, api):
        first = post_bulk(api, orders, key="bulk-job-1")
        assert first.status_code == 202
        again = post_bulk(api, orders, key="bulk-job-1")
        assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json() and again.headers["Location"] == first.headers["Location"]
        assert post_bulk(api, orders[:-1], key="bulk-job-1").status_code == 409

        # the service stopped after storing the job, before storing its answer: once the key's lease ran out,
        # the retry runs again and gets the job that request started, not a second one
        real = idempotency._store

        def lost(*args: object) -> None:
            monkeypatch.setattr(idempotency, "_store", real)
            raise RuntimeError("server stopped")

        monkeypatch.setattr(idempotency, "_store", lost)
        second = post_bulk(api, orders, key="bulk-job-2")
        assert second.status_code == 202 and second.json()["id"] != first.json()["id"]
        with backend.engine.begin() as conn:
            conn.execute(text("UPDATE idempotency_keys SET locked_until = created_at"))
        retried = post_bulk(api, orders, key="bulk-job-2")
        assert retried.status_code == 202 and "Idempotent-Replayed" not in retried.headers
        assert retried.json()["id"] == second.json()["id"] and retried.headers["Location"] == second.headers["Location"]
        for location in (first.headers["Location"], second.headers["Location"]):
            assert poll(api, location)["status"] == "done"
    with backend.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM intake_jobs")).scalar() == 2


def test_with_redis_jobs_go_to_rq_workers(
    backend: Backend, redis_queue: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis import Redis
    from rq import SimpleWorker

    redis_url, queue = redis_queue
    orders = batch()
    with served(backend, redis_url=redis_url, wave_queue=queue) as (_, api):
        started = post_bulk(api, orders)
        assert started.status_code == 202 and started.json()["status"] == "queued"
        assert api.get(started.headers["Location"])["status"] == "queued"  # nothing runs it in this process
        # a worker process, as `wms worker` runs it, with the same database settings
        monkeypatch.setenv("WMS_DATABASE_URL", backend.settings.database_url)
        SimpleWorker([queue], connection=Redis.from_url(redis_url)).work(burst=True)
        job = api.get(started.headers["Location"])
        assert job["status"] == "done" and len(job["results"]) == len(orders)
        assert [r["index"] for r in job["results"]] == list(range(len(orders)))
        assert (job["created"], job["existing"], job["errors"]) == (5, 1, 2)
