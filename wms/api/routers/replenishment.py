"""Pick faces and replenishment tasks (handheld work, like pick lists)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Response

from wms.api.deps import RowId, Uow, require
from wms.api.routing import resource_router
from wms.api.schemas.inventory import PickFaceOut, TaskOut
from wms.auth.keys import Principal
from wms.db import UnitOfWork
from wms.inventory import replenishment as rp

router = resource_router("replenishment")
Planner = Annotated[Principal, Depends(require("planner"))]
Worker = Annotated[Principal, Depends(require("picker", "planner"))]


def _task(uow: UnitOfWork, task_id: int) -> dict[str, Any]:
    return uow.run(lambda u: rp.task_detail(u.session, task_id), read_only=True)


@router.post("/pick-faces", status_code=201, response_model=PickFaceOut, summary="Set a pick face")
def post_pick_face(body: rp.SetPickFace, uow: Uow, _: Planner) -> dict[str, Any]:
    """Sets the minimum and maximum of an item at a storage location (its pick face). When on hand there
    falls below the minimum (after a pick, or at once) a replenishment task refills it to the maximum from
    reserve stock, and a `replenishment.created` event is emitted.

    Setting it again changes the same pick face. 422 `not_a_storage_location`, or `validation_error` when
    the maximum is not above the minimum.
    """
    face_id = rp.set_pick_face(body, uow)
    return {"id": face_id, **body.model_dump()}


@router.post(
    "/replenishments/claim",
    response_model=TaskOut,
    summary="Claim a replenishment task",
    responses={204: {"description": "no replenishment task is waiting in this warehouse"}},
)
def post_claim(body: rp.ClaimTask, uow: Uow, principal: Worker) -> Any:
    """The task the worker holds, else the oldest open one, with FEFO source suggestions from reserve
    locations (`sources`). 204 when nothing is waiting. Claiming again returns the same task until it is
    confirmed."""
    task_id = rp.claim_task(body, uow, principal.actor)
    if task_id is None:
        return Response(status_code=204)
    return _task(uow, task_id)


@router.get("/replenishments/{task_id}", response_model=TaskOut, summary="Get a replenishment task")
def get_task(task_id: RowId, uow: Uow, _: Worker) -> dict[str, Any]:
    """The task with its status and, while it is open or claimed, FEFO source suggestions. 404
    `task_not_found`."""
    return _task(uow, task_id)


@router.post("/replenishments/{task_id}/confirm", response_model=TaskOut, summary="Confirm a replenishment")
def post_confirm(task_id: RowId, body: rp.ConfirmTask, uow: Uow, principal: Worker) -> dict[str, Any]:
    """Confirms what was moved from a reserve location (`from_location`, `lot`) to the pick face: free stock
    only, in the ledger as `replenish`; the task is `done`.

    Confirming again is a 409 `task_not_claimed`. 409 `over_replenish` above the task's quantity,
    `lot_expired`, `insufficient_stock`; 422 `not_a_reserve_location`; 403 `task_of_another_worker`.
    """
    rp.confirm_task(task_id, body, uow, principal.actor, supervisor=principal.role != "picker")
    return _task(uow, task_id)
