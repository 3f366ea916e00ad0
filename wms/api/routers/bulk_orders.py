"""Orders pushed by ERPs in bulk: up to WMS_BULK_SYNC_MAX_ORDERS answered at once, more as a job to poll."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from wms.api.deps import AppSettings, RowId, Uow
from wms.api.errors import status_of_kind, validation_error
from wms.api.idempotency import RESUMABLE_ROUTE, current_request_ref
from wms.api.routers.orders import Intake
from wms.api.routing import resource_router
from wms.api.schemas.orders import BulkJobOut, BulkOut
from wms.db import UnitOfWork
from wms.jobs.kinds import INTAKE
from wms.orders import bulk_results, intake_jobs, services
from wms.orders.commands import BulkPush, PushOrder
from wms.orders.workflow import Policy
from wms.views import intake_jobs as job_views

log = logging.getLogger(__name__)
router = resource_router("orders")


@router.post(
    "/orders/bulk",
    openapi_extra=RESUMABLE_ROUTE,
    status_code=200,
    response_model=BulkOut,
    summary="Push orders in bulk",
    responses={
        202: {
            "model": BulkJobOut,
            "description": "more orders than `WMS_BULK_SYNC_MAX_ORDERS`: taken by a job in the background; "
            "poll the `Location` (`GET /v1/orders/bulk/jobs/{job_id}`)",
            "headers": {
                "Location": {"description": "the job: `/v1/orders/bulk/jobs/{job_id}`", "schema": {"type": "string"}}
            },
        }
    },
)
def post_orders_bulk(
    body: BulkPush, uow: Uow, settings: AppSettings, principal: Intake, request: Request
) -> dict[str, Any] | Response:
    """Up to 10,000 orders, each the body of `POST /v1/orders` and each taken on its own: one bad order does
    not reject the others. `results` has one entry per order, in order, with its `external_id` and `channel`
    when it has them: `created` (201), `existing` (200, same `channel` and `external_id`) or `error` with
    its status and error body; an error's `loc` is the same as in a single push, from the top of this
    request (`["body", "orders", 3, "lines", 0, "sku"]`).

    Up to `WMS_BULK_SYNC_MAX_ORDERS` orders (1,000 by default) the answer is 200 with the results. A larger
    push answers 202 at once with the job (`status: queued`, no `results`) and its `Location`,
    `/v1/orders/bulk/jobs/{id}`: orders that fail validation have their `error` result already, the others
    are taken in the background, a few hundred per transaction, each chunk's results recorded with its
    orders. Poll the job until its `status` is `done`: its `results` are then the ones a 200 would have had.

    Pushing the same batch again is safe: its orders come back `existing`. With an `Idempotency-Key`, a repeat
    gets the first answer again (a 202 the same job, with its `Location`), and one sent while the first is
    still running a 409 `idempotency_in_progress` (nothing of it is done: retry it later). New orders are
    taken a few hundred per transaction, each with the outcome it would have had pushed alone after the ones
    before it in the batch; an order pushed before, or twice in the batch, is taken on its own.
    """
    policy = Policy.from_settings(settings)
    valid: list[tuple[int, dict[str, Any], PushOrder]] = []
    refused: list[dict[str, Any]] = []
    for index, raw in enumerate(body.orders):
        try:
            valid.append((index, raw, PushOrder.model_validate(raw)))
        except ValidationError as exc:
            error = validation_error(exc.errors(), prefix=("body", "orders", index))
            refused.append(bulk_results.refused(index, raw, error))
    if len(body.orders) > settings.bulk_sync_max_orders:
        orders = [(index, raw) for index, raw, _ in valid]
        job_id = intake_jobs.start_job(orders, refused, uow, policy, principal.actor, current_request_ref())
        return _started(request, uow, job_id)
    outcomes = services.push_orders([cmd for _, _, cmd in valid], uow, policy, principal.actor)
    pushed = [bulk_results.pushed(index, raw, r) for (index, raw, _), r in zip(valid, outcomes, strict=True)]
    entries = sorted([*refused, *pushed], key=lambda e: e["index"])
    return {"results": [_rendered(e) for e in entries], **bulk_results.tally(entries)}


def _started(request: Request, uow: UnitOfWork, job_id: int) -> Response:
    """The 202 of a bulk push job: handed to a worker, answered with its state (no results yet) and Location."""
    try:
        request.app.state.dispatcher.submit(job_id, INTAKE)
    except Exception:  # the job is stored: the leader's sweeper hands it out
        log.warning("bulk push job %s was not handed to a worker; the sweeper will", job_id, exc_info=True)
    job = BulkJobOut.model_validate(_job(uow, job_id, results=False)).model_dump(mode="json")
    return JSONResponse(job, status_code=202, headers={"Location": f"/v1/orders/bulk/jobs/{job_id}"})


def _job(uow: UnitOfWork, job_id: int, *, results: bool = True) -> dict[str, Any]:
    job = uow.run(lambda u: job_views.job_detail(u.session, job_id, results=results), read_only=True)
    if "results" in job:
        job["results"] = [_rendered(e) for e in job["results"]]
    return job


def _rendered(entry: dict[str, Any]) -> dict[str, Any]:
    """A result entry (``wms.orders.bulk_results``) as the API answers it: with the status a single push
    would have had."""
    out = {k: v for k, v in entry.items() if k != "kind"}
    if entry["result"] == "error":
        out["status_code"] = status_of_kind(entry["kind"])
    else:
        out["status_code"] = 201 if entry["result"] == "created" else 200
    return out


@router.get("/orders/bulk/jobs/{job_id}", response_model=BulkJobOut, summary="Get a bulk push job")
def get_bulk_job(job_id: RowId, uow: Uow, _: Intake) -> dict[str, Any]:
    """A bulk push taken in the background (`POST /v1/orders/bulk` above `WMS_BULK_SYNC_MAX_ORDERS` orders,
    202): `status` `queued`, then `running` while `processed` of `total` orders have their result
    (`created`, `existing` and `errors` count them), then `done` with `results`, one per order in request
    order, as a 200 would have answered them. `failed` (with `error`) only if something unexpected stopped
    it: `results` then has the orders it got to. A worker that stops mid-way leaves the job to another,
    which goes on from the first order without a result. A finished job is kept `WMS_IDEMPOTENCY_TTL_HOURS`
    (48 h), as long as an `Idempotency-Key` replay of its 202 may point at it. 404 `bulk_job_not_found`.
    """
    return _job(uow, job_id)
