"""Every resource router: token and role first, JSON bodies, idempotent POSTs, warehouse scope, the
contract's error responses, who may call each operation."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from wms.api.errors import ERROR_RESPONSES
from wms.api.failures import UNAVAILABLE
from wms.api.guard import Guard, guard_for
from wms.api.idempotency import IdempotentRoute
from wms.api.media import UNSUPPORTED, refuse_non_json, refuse_unknown_query
from wms.api.scope import Access, unscoped_path_parameters
from wms.errors import Forbidden

EVERY_WAREHOUSE = (
    "**Warehouse scope:** every warehouse; a token limited to one warehouse gets 403 `warehouse_forbidden`."
)


def access_of(dependant: Dependant) -> Access | None:
    """Who may call the operation: ``.access`` of its ``require(...)`` dependency."""
    access = getattr(dependant.call, "access", None)
    if access is not None:
        return access
    for sub in dependant.dependencies:
        found = access_of(sub)
        if found is not None:
            return found
    return None


def query_names(dependant: Dependant) -> frozenset[str]:
    """The query parameters an operation has, its dependencies' included."""
    return frozenset({p.alias for p in dependant.query_params}.union(*map(query_names, dependant.dependencies)))


class ScopedRoute(APIRoute):
    """Checks the warehouse scope (``wms.api.scope``), then refuses query parameters the operation does not
    have (422) and a body that is not JSON (415), then lets FastAPI read the request. It runs inside the ``Idempotency-Key`` handling, so that a retried change
    answers what it first answered even when the change moved the resource out of the token's warehouse
    (a cancelled order is in none)."""

    guard: Guard  # set by ResourceRoute

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        reads_body = self.body_field is not None
        known = query_names(self.dependant)

        async def scoped(request: Request) -> Response:
            await self.guard.check_scope(request)
            refused = refuse_unknown_query(request, known)
            if refused is not None:
                return refused
            if reads_body:
                refused = await refuse_non_json(request)
                if refused is not None:
                    return refused
            return await handler(request)

        return scoped


class ResourceRoute(IdempotentRoute, ScopedRoute):
    """A route that first admits its caller (``wms.api.guard``: 401 for the token, then 403 for its role),
    then handles ``Idempotency-Key`` (``IdempotentRoute``: a replay, or 409), then checks the warehouse
    scope (``ScopedRoute``: 403) and refuses a body that is not JSON (415), and only then lets FastAPI
    parse and validate the request (400, 422) and run the endpoint. Its description ends with the roles that may call it, read
    from its ``require(...)`` dependency: what the documentation says is what the guard checks. A route
    without ``require(...)``, or with a path parameter that no scope rule covers (``wms.api.scope``), is
    refused when the app is built."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if self.body_field is not None:
            self.responses = {**self.responses, 415: UNSUPPORTED}
        access = access_of(self.dependant)
        if access is None:
            raise TypeError(f"{path}: a resource route needs a require(...) dependency")
        uncovered = unscoped_path_parameters(self.param_convertors)
        if uncovered:
            raise TypeError(f"{path}: no warehouse scope rule for {uncovered} (add one in wms.api.scope)")
        who = ", ".join(f"`{r}`" for r in access.roles)
        scope = f" {EVERY_WAREHOUSE}" if access.every_warehouse else ""
        self.description = f"{self.description}\n\n**Roles:** {who}.{scope}".lstrip()
        body = self.body_field
        self.guard = guard_for(
            access,
            list(self.param_convertors),
            body.field_info.annotation if body is not None else None,
            (lambda raw: body.validate(raw, {}, loc=("body",))) if body is not None else None,
        )

    async def may_resume(self, request: Request) -> bool:
        """A retry may take over a dead request's key only if it may reach the resource now: otherwise the
        key stays as it is and the retry hears the work was done (a cancelled order is in no warehouse)."""
        try:
            await self.guard.check_scope(request)
        except Forbidden:
            return False
        return True

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()  # IdempotentRoute's, around ScopedRoute's, around FastAPI's

        async def guarded(request: Request) -> Response:
            await self.guard.admit(request)  # made at the end of __init__, which builds this handler first
            return await handler(request)

        return guarded


def resource_router(tag: str) -> APIRouter:
    return APIRouter(
        prefix="/v1", tags=[tag], route_class=ResourceRoute, responses={**ERROR_RESPONSES, 503: UNAVAILABLE}
    )
