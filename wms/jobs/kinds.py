"""The kinds of background job: what a worker runs for one, and which are due for a worker.

Each kind keeps its jobs in its own table under a lease (the database is the truth); ``run`` does one job
under its lease and returns its status (``stopping()`` says the worker's process is shutting down: a job
that can stop half-way leaves the rest to another worker), ``due`` lists those no worker holds (for the
sweeper).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from wms.db import UnitOfWork
from wms.orders.intake_jobs import jobs_to_run, run_job
from wms.picking.waves import run_planning, waves_to_plan

WAVE = "wave"  # plan a wave (POST /v1/waves above WMS_WAVE_SYNC_MAX_ORDERS)
INTAKE = "intake"  # push a bulk push's orders (POST /v1/orders/bulk above WMS_BULK_SYNC_MAX_ORDERS)


@dataclass(frozen=True)
class Kind:
    run: Callable[[UnitOfWork, int, Callable[[], bool]], str]
    due: Callable[[UnitOfWork, timedelta], list[int]]


def _plan(uow: UnitOfWork, wave_id: int, stopping: Callable[[], bool]) -> str:
    """A wave is planned in one go: a stopping worker finishes it."""
    return run_planning(uow, wave_id)


KINDS: dict[str, Kind] = {WAVE: Kind(_plan, waves_to_plan), INTAKE: Kind(run_job, jobs_to_run)}
