"""Dependencies: the unit of work of a request and the calling principal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from wms.api.idempotency import claim_hook
from wms.api.pagination import MAX_DB_INT
from wms.auth.keys import ROLES, Principal, authenticate
from wms.config import Settings
from wms.db import UnitOfWork
from wms.errors import Forbidden, Unauthorized

bearer = HTTPBearer(auto_error=False, description="API token from `wms keys create`")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_uow(request: Request) -> UnitOfWork:
    state = request.app.state
    uow = UnitOfWork(state.session_factory, state.settings.db_retry_attempts, state.read_session_factory)
    hook = claim_hook()
    if hook is not None:
        uow.before_commit.append(hook)
    return uow


def get_principal(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise Unauthorized("missing bearer token", code="missing_token")
    with request.app.state.read_session_factory() as session:
        principal = authenticate(session, creds.credentials)
    if principal is None:
        raise Unauthorized("invalid or revoked token", code="invalid_token")
    return principal


get_principal.roles = ROLES  # type: ignore[attr-defined]  # any role; listed in the route's documentation


def require(*roles: str) -> Callable[..., Principal]:
    """A dependency that admits only the given roles (admin always); ``.roles`` lists them for the docs."""
    allowed = {"admin", *roles}

    def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"role {principal.role} may not do this", code="role_forbidden")
        return principal

    dependency.roles = tuple(r for r in ROLES if r in allowed)  # type: ignore[attr-defined]
    return dependency


def check_warehouse(principal: Principal, code: str) -> None:
    if not principal.may_access(code):
        raise Forbidden(f"this token is limited to warehouse {principal.warehouse_code}",
                        code="warehouse_forbidden")


def scoped_warehouse(principal: Principal, requested: str | None) -> str | None:
    """The warehouse filter a list query uses: the requested one if allowed, else the token's."""
    if requested is not None:
        check_warehouse(principal, requested)
        return requested
    return principal.warehouse_code


Uow = Annotated[UnitOfWork, Depends(get_uow)]
AnyRole = Annotated[Principal, Depends(get_principal)]
AppSettings = Annotated[Settings, Depends(get_settings)]
RowId = Annotated[int, Path(ge=1, le=MAX_DB_INT)]
