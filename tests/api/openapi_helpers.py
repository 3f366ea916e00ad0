"""Reading the app's routes and its OpenAPI document in tests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute of the app, also inside included routers (FastAPI ≥ 0.160 includes them lazily)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def body_examples(doc: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    """The request body examples the document shows for an operation: name → value."""
    body = doc["paths"][path][method].get("requestBody", {})
    return {
        name: e["value"] for name, e in body.get("content", {}).get("application/json", {}).get("examples", {}).items()
    }
