"""Bulk pushes taken in the background: a job holds the orders, a worker pushes them chunk by chunk.

``start_job`` keeps the orders that passed validation (and the results of those that did not) in a job,
``queued``. ``run_job``, what a worker runs, takes the job's lease and pushes its orders through
``services.push_orders``, whose chunk hook writes the chunk's results, the job's progress and a renewed
lease in the very transaction that pushed the chunk's orders. So every chunk is done with its results or
not at all: a worker that dies mid-way leaves the job to the next one (the sweeper hands it out again once
the lease ran out), which resumes at the first order without a result, and an order the first worker
created stays ``created``. A worker that stalled past its lease while another took the job over finds out
at its next chunk, whose transaction then rolls back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from wms.bulk import insert_rows
from wms.db import UnitOfWork, unheld
from wms.orders import bulk_results, services
from wms.orders.commands import PushOrder
from wms.orders.orm import IntakeJob, IntakeJobResult
from wms.orders.workflow import Policy
from wms.orm import utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # renewed by every chunk
MAX_ATTEMPTS = 3  # a job failing on its third lease (or later) is given up
STATUSES = ("queued", "running", "done", "failed")
ACTIVE = ("queued", "running")


def start_job(
    orders: Sequence[tuple[int, dict[str, Any]]],
    refused: Sequence[dict[str, Any]],
    uow: UnitOfWork,
    policy: Policy,
    actor: str,
    request_ref: str | None = None,
) -> int:
    """A new job pushing ``orders`` ((index in the request, order), valid ones); ``refused`` are the result
    entries of the request's invalid orders (``bulk_results.refused``), its results at once. A job with
    nothing to push is ``done`` at once. ``request_ref`` names the client's request (its Idempotency-Key):
    a retry of a request that already started its job gets that job back."""

    def work(u: UnitOfWork) -> int:
        s = u.session
        if request_ref is not None:
            started = s.scalar(select(IntakeJob.id).where(IntakeJob.request_ref == request_ref))
            if started is not None:
                return started
        now = utcnow()
        job = IntakeJob(
            status="queued" if orders else "done",
            actor=actor,
            policy=asdict(policy),
            orders=[{"index": index, "order": order} for index, order in orders],
            pushed=0,
            total=len(orders) + len(refused),
            processed=len(refused),
            created=0,
            existing=0,
            errors=len(refused),
            attempts=0,
            created_at=now,
            finished_at=None if orders else now,
            request_ref=request_ref,
        )
        s.add(job)
        s.flush()
        _write_results(s, job.id, refused)
        return job.id

    return uow.run(work)


def run_job(uow: UnitOfWork, job_id: int, stopping: Callable[[], bool] = lambda: False) -> str:
    """Push a job's orders that have no result yet, under its lease (what a worker runs); returns the job's
    status afterwards. A failure is recorded on the job (given up after ``MAX_ATTEMPTS``) and raised. Once
    ``stopping()`` (the worker's process is shutting down), the chunk being pushed is rolled back and the
    lease given up: another worker goes on from there at once."""
    attempt = uow.run(lambda u: _take_lease(u.session, job_id))
    if attempt is None:  # done, failed, or another worker holds it
        return uow.run(lambda u: _status(u.session, job_id), read_only=True)
    try:
        todo = uow.run(lambda u: _todo(u.session, job_id, attempt, stopping), read_only=True)
        cmds = [PushOrder.model_validate(o["order"]) for o in todo.orders]  # valid when the job started
        services.push_orders(cmds, uow, todo.policy, todo.actor, on_chunk=todo.record)
        return uow.run(lambda u: _finish(u.session, job_id, attempt))
    except LeaseLost:
        log.warning("bulk push job %s: another worker took it over (attempt %s stops)", job_id, attempt)
        return "running"
    except Stopped:
        uow.run(lambda u: _release(u.session, job_id, attempt))
        log.info("bulk push job %s: its worker stops; the job is left to another", job_id)
        return "running"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        uow.run(lambda u: _after_failure(u.session, job_id, attempt, error))
        raise


class LeaseLost(Exception):
    """The job is no longer this worker's (its lease ran out and another worker took it)."""


class Stopped(Exception):
    """The worker stops before the job is done (its process is shutting down)."""


@dataclass(frozen=True)
class _Todo:
    """What an attempt pushes: the job's orders from the first one without a result (``base``)."""

    job_id: int
    attempt: int
    base: int
    orders: list[dict[str, Any]]
    policy: Policy
    actor: str
    stopping: Callable[[], bool]

    def record(self, s: Session, start: int, results: list[bulk_results.Pushed]) -> None:
        """The chunk hook (``services.push_orders``): results, progress and lease, in the chunk's transaction;
        ``LeaseLost`` (rolling the chunk back) if the job is no longer this attempt's, ``Stopped`` if the
        worker stops."""
        if self.stopping():
            raise Stopped(f"bulk push job {self.job_id}: the worker stops")
        entries = [
            bulk_results.pushed(o["index"], o["order"], r)
            for o, r in zip(self.orders[start : start + len(results)], results, strict=True)
        ]
        counts = bulk_results.tally(entries)
        moved = s.execute(
            update(IntakeJob)
            .where(
                IntakeJob.id == self.job_id,
                IntakeJob.status == "running",
                IntakeJob.attempts == self.attempt,
                IntakeJob.pushed == self.base + start,
            )
            .values(
                pushed=IntakeJob.pushed + len(entries),
                processed=IntakeJob.processed + len(entries),
                created=IntakeJob.created + counts["created"],
                existing=IntakeJob.existing + counts["existing"],
                errors=IntakeJob.errors + counts["errors"],
                lease_until=utcnow() + LEASE,
            )
        ).rowcount  # type: ignore[attr-defined]  # DML gives a CursorResult; SQLAlchemy types it Result
        if moved != 1:
            raise LeaseLost(f"bulk push job {self.job_id} is no longer attempt {self.attempt}'s")
        _write_results(s, self.job_id, entries)


def _todo(s: Session, job_id: int, attempt: int, stopping: Callable[[], bool]) -> _Todo:
    job = s.get_one(IntakeJob, job_id)
    return _Todo(job_id, attempt, job.pushed, job.orders[job.pushed :], Policy(**job.policy), job.actor, stopping)


def _status(s: Session, job_id: int) -> str:
    return s.scalars(select(IntakeJob.status).where(IntakeJob.id == job_id)).one()


def _write_results(s: Session, job_id: int, entries: Sequence[dict[str, Any]]) -> None:
    rows = [{"job_id": job_id, "position": e["index"], "entry": e} for e in entries]
    insert_rows(s, IntakeJobResult.__table__, rows)


def _take_lease(s: Session, job_id: int) -> int | None:
    """This worker's attempt number, if the job is to push and no live lease holds it."""
    now = utcnow()
    return s.scalar(
        update(IntakeJob)
        .where(
            IntakeJob.id == job_id,
            IntakeJob.status.in_(ACTIVE),
            IntakeJob.lease_until.is_(None) | (IntakeJob.lease_until < now),
        )
        .values(status="running", lease_until=now + LEASE, attempts=IntakeJob.attempts + 1)
        .returning(IntakeJob.attempts)
    )


def _finish(s: Session, job_id: int, attempt: int) -> str:
    now = utcnow()
    finished = s.execute(
        update(IntakeJob)
        .where(IntakeJob.id == job_id, IntakeJob.status == "running", IntakeJob.attempts == attempt)
        .values(status="done", lease_until=None, finished_at=now)
    ).rowcount  # type: ignore[attr-defined]  # as in _Todo.record
    if finished != 1:
        raise LeaseLost(f"bulk push job {job_id} is no longer attempt {attempt}'s")
    return "done"


def _release(s: Session, job_id: int, attempt: int) -> None:
    s.execute(
        update(IntakeJob)
        .where(IntakeJob.id == job_id, IntakeJob.status == "running", IntakeJob.attempts == attempt)
        .values(lease_until=None)
    )


def _after_failure(s: Session, job_id: int, attempt: int, error: str) -> None:
    job = s.scalars(select(IntakeJob).where(IntakeJob.id == job_id).with_for_update()).one()
    if job.status != "running" or job.attempts != attempt:
        return
    if job.attempts >= MAX_ATTEMPTS:
        job.status, job.error, job.finished_at = "failed", error[:2000], utcnow()
    job.lease_until = None  # else the next pass of the sweeper hands it out again


def jobs_to_run(uow: UnitOfWork, min_age: timedelta = timedelta(0)) -> list[int]:
    """Jobs to push that no worker holds (``wms.db.unheld``)."""
    return unheld(uow, IntakeJob, IntakeJob.status.in_(ACTIVE), min_age)


def purge_finished(uow: UnitOfWork, older_than: timedelta) -> int:
    """Delete the jobs done or failed more than ``older_than`` ago, with their results; returns how many."""
    cutoff = utcnow() - older_than

    def work(u: UnitOfWork) -> int:
        old = select(IntakeJob.id).where(IntakeJob.status.in_(("done", "failed")), IntakeJob.finished_at < cutoff)
        u.session.execute(delete(IntakeJobResult).where(IntakeJobResult.job_id.in_(old)))
        return u.session.execute(delete(IntakeJob).where(IntakeJob.id.in_(old))).rowcount  # type: ignore[attr-defined]

    return uow.run(work)
