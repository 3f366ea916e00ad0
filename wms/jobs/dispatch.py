"""Handing waves to workers, and a sweeper that hands out again what a dead worker left.

The database is the truth: a wave in ``planning`` without a live lease needs
a worker. The dispatcher is only how one is told: a thread pool in this
process (embedded default), or an RQ queue on Redis (``WMS_REDIS_URL``) served
by ``wms worker`` processes. Either way the sweeper re-dispatches waves whose
lease ran out, so a worker's death delays a wave but never loses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from wms.config import Settings
from wms.db import UnitOfWork
from wms.periodic import Periodic
from wms.picking.waves import run_planning, waves_to_plan

log = logging.getLogger(__name__)
JOB_TIMEOUT_S = 900


class Dispatcher(Protocol):
    def submit(self, wave_id: int) -> None: ...


def _plan_logged(factory: sessionmaker[Session], wave_id: int) -> None:
    try:
        run_planning(UnitOfWork(factory), wave_id)
    except Exception:
        log.exception("planning wave %s failed", wave_id)


class InProcessDispatcher:
    def __init__(self, factory: sessionmaker[Session], workers: int = 1) -> None:
        self._factory = factory
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wave-planner")

    def submit(self, wave_id: int) -> None:
        self._pool.submit(_plan_logged, self._factory, wave_id)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _queued_key(queue: str, wave_id: int) -> str:
    return f"wms:{queue}:wave-queued:{wave_id}"


class RQDispatcher:
    """Waves as RQ jobs, at most one waiting per wave: the process that started a wave and the leader's
    sweeper (every interval while no worker has taken it, e.g. all busy) would otherwise queue it again
    and again. A marker in Redis says a job waits; the job removes it when a worker takes it (then the
    wave's lease decides), and it expires after ``JOB_TIMEOUT_S`` in case the job was lost."""

    def __init__(self, redis_url: str, queue: str) -> None:
        from redis import Redis  # noqa: PLC0415
        from rq import Queue  # noqa: PLC0415

        self._queue = Queue(queue, connection=Redis.from_url(redis_url))

    def submit(self, wave_id: int) -> None:
        from rq import Retry  # noqa: PLC0415

        key = _queued_key(self._queue.name, wave_id)
        if not self._queue.connection.set(key, 1, nx=True, ex=JOB_TIMEOUT_S):
            return  # a job for it waits for a worker already
        try:
            self._queue.enqueue(
                plan_wave_task, wave_id, job_timeout=JOB_TIMEOUT_S, retry=Retry(max=2, interval=[5, 30])
            )
        except BaseException:
            self._queue.connection.delete(key)
            raise

    def close(self) -> None:
        self._queue.connection.close()


def plan_wave_task(wave_id: int) -> str:
    """The RQ job: plan one wave with this worker's own settings and engine."""
    from rq import get_current_job  # noqa: PLC0415

    from wms.db import make_engine, make_session_factory  # noqa: PLC0415

    job = get_current_job()
    if job is not None:  # taken: from now on the wave's lease says whether it may be handed out again
        job.connection.delete(_queued_key(job.origin, wave_id))

    settings = Settings()
    engine = make_engine(settings)
    try:
        return run_planning(UnitOfWork(make_session_factory(engine), settings.db_retry_attempts), wave_id)
    finally:
        engine.dispose()


def make_dispatcher(settings: Settings, factory: sessionmaker[Session]) -> InProcessDispatcher | RQDispatcher:
    return RQDispatcher(settings.redis_url, settings.wave_queue) if settings.redis_url else InProcessDispatcher(factory)


class Sweeper(Periodic):
    """Every ``interval_s``: dispatch waves in ``planning`` that no worker holds (``when``: only while this
    process leads, see ``wms.jobs.leader``; a wave handed out twice is still planned once, under its lease)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        dispatcher: Dispatcher,
        interval_s: float,
        when: Callable[[], bool] | None = None,
    ) -> None:
        def sweep() -> None:
            for wave_id in waves_to_plan(UnitOfWork(factory), min_age=timedelta(seconds=interval_s)):
                dispatcher.submit(wave_id)

        super().__init__("wave-sweeper", interval_s, sweep, when)
