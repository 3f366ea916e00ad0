"""Handing background jobs (waves to plan, bulk pushes) to workers, and a sweeper that hands out again what
a dead worker left.

The database is the truth: a job that is not finished and has no live lease needs a worker
(``wms.jobs.kinds``). The dispatcher is only how one is told: thread pools in this process (embedded
default; one per kind, so a long bulk push does not hold waves up), or an RQ queue on Redis
(``WMS_REDIS_URL``) served by ``wms worker`` processes. Either way the sweeper re-dispatches jobs whose
lease ran out, so a worker's death delays a job but never loses it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from wms.config import Settings
from wms.db import UnitOfWork
from wms.jobs.kinds import KINDS, WAVE
from wms.periodic import Periodic

log = logging.getLogger(__name__)
JOB_TIMEOUT_S = 900


class Dispatcher(Protocol):
    def submit(self, job_id: int, kind: str = WAVE) -> None: ...


def _run_logged(factory: sessionmaker[Session], kind: str, job_id: int, stopping: threading.Event) -> None:
    try:
        KINDS[kind].run(UnitOfWork(factory), job_id, stopping.is_set)
    except Exception:
        log.exception("%s job %s failed", kind, job_id)


class InProcessDispatcher:
    """Thread pools of this process, one per kind. Closing it stops what can stop half-way (a bulk push, at
    its next chunk: the job is left to another worker) and waits for the rest (a wave's planning)."""

    def __init__(self, factory: sessionmaker[Session], workers: int = 1) -> None:
        self._factory = factory
        self._stopping = threading.Event()
        self._pools = {
            kind: ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{kind}-worker") for kind in KINDS
        }

    def submit(self, job_id: int, kind: str = WAVE) -> None:
        self._pools[kind].submit(_run_logged, self._factory, kind, job_id, self._stopping)

    def close(self) -> None:
        self._stopping.set()
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=True)


def _queued_key(queue: str, kind: str, job_id: int) -> str:
    return f"wms:{queue}:{kind}-queued:{job_id}"


class RQDispatcher:
    """Jobs as RQ jobs, at most one waiting per job: the process that started a job and the leader's
    sweeper (every interval while no worker has taken it, e.g. all busy) would otherwise queue it again
    and again. A marker in Redis says a job waits; the job removes it when a worker takes it (then the
    job's lease decides), and it expires after ``JOB_TIMEOUT_S`` in case the job was lost."""

    def __init__(self, redis_url: str, queue: str) -> None:
        from redis import Redis  # noqa: PLC0415
        from rq import Queue  # noqa: PLC0415

        self._queue = Queue(queue, connection=Redis.from_url(redis_url))

    def submit(self, job_id: int, kind: str = WAVE) -> None:
        from rq import Retry  # noqa: PLC0415

        if kind not in KINDS:
            raise ValueError(f"no such kind of job: {kind}")
        key = _queued_key(self._queue.name, kind, job_id)
        if not self._queue.connection.set(key, 1, nx=True, ex=JOB_TIMEOUT_S):
            return  # a job for it waits for a worker already
        try:
            self._queue.enqueue(
                run_job_task, kind, job_id, job_timeout=JOB_TIMEOUT_S, retry=Retry(max=2, interval=[5, 30])
            )
        except BaseException:
            self._queue.connection.delete(key)
            raise

    def close(self) -> None:
        self._queue.connection.close()


def run_job_task(kind: str, job_id: int) -> str:
    """The RQ job: run one job of ``kind`` with this worker's own settings and engine."""
    from rq import get_current_job  # noqa: PLC0415

    from wms.db import make_engine, make_session_factory  # noqa: PLC0415

    job = get_current_job()
    if job is not None:  # taken: from now on the job's lease says whether it may be handed out again
        job.connection.delete(_queued_key(job.origin, kind, job_id))

    settings = Settings()
    engine = make_engine(settings)
    try:
        uow = UnitOfWork(make_session_factory(engine), settings.db_retry_attempts)
        return KINDS[kind].run(uow, job_id, lambda: False)  # RQ's warm shutdown lets the job finish
    finally:
        engine.dispose()


def plan_wave_task(wave_id: int) -> str:
    """The RQ job of waves queued before jobs had kinds (a queue may still hold some after an upgrade)."""
    return run_job_task(WAVE, wave_id)


def make_dispatcher(settings: Settings, factory: sessionmaker[Session]) -> InProcessDispatcher | RQDispatcher:
    return RQDispatcher(settings.redis_url, settings.wave_queue) if settings.redis_url else InProcessDispatcher(factory)


class Sweeper(Periodic):
    """Every ``interval_s``: dispatch the jobs of every kind that no worker holds (``when``: only while this
    process leads, see ``wms.jobs.leader``; a job handed out twice still runs once, under its lease)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        dispatcher: Dispatcher,
        interval_s: float,
        when: Callable[[], bool] | None = None,
    ) -> None:
        def sweep() -> None:
            for kind, jobs in KINDS.items():
                for job_id in jobs.due(UnitOfWork(factory), timedelta(seconds=interval_s)):
                    dispatcher.submit(job_id, kind)

        super().__init__("job-sweeper", interval_s, sweep, when)
