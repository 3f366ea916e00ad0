"""The OpenAPI document as an integrator reads it: names, headers, summaries, tags, webhooks."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute
from sqlalchemy import create_engine

from wms.api.app import create_app
from wms.api.idempotency import HEADER, IdempotentRoute
from wms.config import Settings


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://"), create_engine("sqlite://"))


@pytest.fixture(scope="module")
def doc(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute of the app, also inside included routers (FastAPI ≥ 0.160 includes them lazily)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, item in doc["paths"].items() for method, op in item.items()]


def test_every_schema_has_a_plain_unique_name(doc: dict[str, Any]) -> None:
    """No ``wms__api__order_schemas__ShipmentOut`` (two classes of one name) and no ``Page_ItemOut_``
    (a bare ``Page[X]``: subclass it as ``XPage``)."""
    odd = [name for name in doc["components"]["schemas"] if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)]
    assert odd == []


def test_every_post_declares_the_idempotency_key(doc: dict[str, Any]) -> None:
    posts = [(path, op) for method, path, op in operations(doc) if method == "POST"]
    assert len(posts) > 20
    for path, op in posts:
        [param] = [p for p in op.get("parameters", []) if p["name"] == HEADER]
        assert param["in"] == "header" and not param["required"], path
        assert "409" in param["description"] and "same body" in param["description"], path
    others = [path for method, path, op in operations(doc) if method != "POST"
              for p in op.get("parameters", []) if p["name"] == HEADER]
    assert others == []


def test_every_post_route_honours_the_idempotency_key(app: FastAPI) -> None:
    """What the document declares is what the routes do: every POST goes through ``IdempotentRoute``."""
    posts = [r for r in api_routes(app.routes) if "POST" in r.methods]
    assert posts and all(isinstance(r, IdempotentRoute) for r in posts)
