"""Every resource router: idempotent POSTs and the contract's error responses."""

from fastapi import APIRouter

from wms.api.errors import ERROR_RESPONSES
from wms.api.idempotency import IdempotentRoute


def resource_router(tag: str) -> APIRouter:
    return APIRouter(prefix="/v1", tags=[tag], route_class=IdempotentRoute, responses=ERROR_RESPONSES)
