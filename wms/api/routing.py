"""Every resource router: JSON bodies, idempotent POSTs, the contract's error responses, who may call each operation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant

from wms.api.errors import ERROR_RESPONSES
from wms.api.failures import UNAVAILABLE
from wms.api.idempotency import IdempotentRoute
from wms.api.media import UNSUPPORTED, refuse_non_json


def roles_of(dependant: Dependant) -> tuple[str, ...] | None:
    """The roles the operation admits: ``.roles`` of its ``require(...)`` (or ``get_principal``) dependency."""
    roles = getattr(dependant.call, "roles", None)
    if roles is not None:
        return tuple(roles)
    for sub in dependant.dependencies:
        found = roles_of(sub)
        if found is not None:
            return found
    return None


class ResourceRoute(IdempotentRoute):
    """A route that reads a body refuses one that is not JSON (415) before anything else happens. Its
    description ends with the roles that may call it, read from its dependencies: what the documentation
    says is what the route checks."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if self.body_field is not None:
            self.responses = {**self.responses, 415: UNSUPPORTED}
        roles = roles_of(self.dependant)
        if roles is not None:
            who = ", ".join(f"`{r}`" for r in roles)
            self.description = f"{self.description}\n\n**Roles:** {who}.".lstrip()

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def json_only(request: Request) -> Response:
            return await refuse_non_json(request) or await handler(request)

        return json_only


def resource_router(tag: str) -> APIRouter:
    return APIRouter(prefix="/v1", tags=[tag], route_class=ResourceRoute, responses={**ERROR_RESPONSES, 503: UNAVAILABLE})
