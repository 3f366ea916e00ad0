"""Bulk push jobs as the ERP sees them: progress and counts, and every order's result once the job is over."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import NotFound
from wms.orders.orm import IntakeJob, IntakeJobResult

FIELDS = ("id", "status", "total", "processed", "created", "existing", "errors", "error", "created_at", "finished_at")


def job_detail(s: Session, job_id: int, *, results: bool = True) -> dict[str, Any]:
    """The job; with ``results`` (entries of ``wms.orders.bulk_results``, in request order) once it is
    ``done`` (or ``failed``: the orders it got to), unless ``results`` is false. 404 ``bulk_job_not_found``."""
    row = s.execute(select(*(getattr(IntakeJob, name) for name in FIELDS)).where(IntakeJob.id == job_id)).first()
    if row is None:  # (the orders it holds are not read: a job polled often may hold 10,000)
        raise NotFound(f"bulk push job {job_id} not found", code="bulk_job_not_found")
    detail: dict[str, Any] = dict(row._mapping)
    if results and detail["status"] in ("done", "failed"):
        detail["results"] = list(
            s.scalars(
                select(IntakeJobResult.entry).where(IntakeJobResult.job_id == job_id).order_by(IntakeJobResult.position)
            )
        )
    return detail
