"""Dependencies: the unit of work of a request, the calling principal, the warehouse a list shows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from wms.api.guard import principal_of
from wms.api.idempotency import answer_hook, claim_hook
from wms.api.scope import Access
from wms.auth.keys import ROLES, Principal
from wms.config import Settings
from wms.db import UnitOfWork
from wms.fields import MAX_ID

bearer = HTTPBearer(auto_error=False, description="API token from `wms keys create`")


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_uow(request: Request) -> UnitOfWork:
    state = request.app.state
    uow = UnitOfWork(state.session_factory, state.settings.db_retry_attempts, state.read_session_factory)
    hook = claim_hook()
    if hook is not None:
        uow.before_commit.append(hook)
    answer = answer_hook()
    if answer is not None:
        uow.answer_hooks.append(answer)
    return uow


def require(*roles: str, every_warehouse: bool = False) -> Callable[..., Awaitable[Principal]]:
    """The caller, admitted to an operation of the given roles (admin always). ``every_warehouse``: the
    operation spans all warehouses, a token limited to one may not call it. The check itself is the route's
    guard (``wms.api.guard``), made from ``.access``, which the route's documentation lists too."""

    async def dependency(
        request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Principal:
        return principal_of(request)

    allowed = {"admin", *roles}
    dependency.access = Access(tuple(r for r in ROLES if r in allowed), every_warehouse)  # type: ignore[attr-defined]
    return dependency


async def warehouse_filter(
    request: Request, warehouse: Annotated[str | None, Query(max_length=64)] = None
) -> str | None:
    """The warehouse a list shows: the one asked for (the guard let a limited token ask only for its own),
    else the token's own (None: every warehouse)."""
    return warehouse if warehouse is not None else principal_of(request).warehouse_code


Uow = Annotated[UnitOfWork, Depends(get_uow)]
AnyRole = Annotated[Principal, Depends(require(*ROLES))]
WarehouseFilter = Annotated[str | None, Depends(warehouse_filter)]
AppSettings = Annotated[Settings, Depends(get_settings)]
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
SmallRowId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # ids of tables with 32-bit keys (webhooks)
