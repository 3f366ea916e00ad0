"""Every resource router: JSON bodies, idempotent POSTs and the contract's error responses."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from wms.api.errors import ERROR_RESPONSES
from wms.api.idempotency import IdempotentRoute
from wms.api.media import UNSUPPORTED, refuse_non_json


class ResourceRoute(IdempotentRoute):
    """A route that reads a body refuses one that is not JSON (415) before anything else happens."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if self.body_field is not None:
            self.responses = {**self.responses, 415: UNSUPPORTED}

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def json_only(request: Request) -> Response:
            return await refuse_non_json(request) or await handler(request)

        return json_only


def resource_router(tag: str) -> APIRouter:
    return APIRouter(prefix="/v1", tags=[tag], route_class=ResourceRoute, responses=ERROR_RESPONSES)
