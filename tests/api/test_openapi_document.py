"""The OpenAPI document as an integrator reads it: names, headers, summaries, tags, webhooks."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine

from tests.api.openapi_helpers import api_routes
from wms.api.app import create_app
from wms.api.idempotency import HEADER, IdempotentRoute
from wms.config import Settings
from wms.events.catalog import EVENT_TYPES


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://"), create_engine("sqlite://"))


@pytest.fixture(scope="module")
def doc(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, item in doc["paths"].items() for method, op in item.items()]


def test_every_schema_has_a_plain_unique_name(doc: dict[str, Any]) -> None:
    """No ``wms__api__schemas__shipping__ShipmentOut`` (two classes of one name) and no ``Page_ItemOut_``
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
    others = [
        path
        for method, path, op in operations(doc)
        if method != "POST"
        for p in op.get("parameters", [])
        if p["name"] == HEADER
    ]
    assert others == []


def test_every_post_route_honours_the_idempotency_key(app: FastAPI) -> None:
    """What the document declares is what the routes do: every POST goes through ``IdempotentRoute``."""
    posts = [r for r in api_routes(app.routes) if "POST" in r.methods]
    assert posts and all(isinstance(r, IdempotentRoute) for r in posts)


def test_every_operation_has_a_summary_and_a_description(doc: dict[str, Any]) -> None:
    for method, path, op in operations(doc):
        where = f"{method} {path}"
        summary, description = op.get("summary", ""), op.get("description", "")
        assert summary and len(summary) <= 60 and not summary.endswith("."), where
        # FastAPI's own summary is the function's name in title case ("Post Order"): write one
        assert summary != op["operationId"].split("_v1_")[0].replace("_", " ").title(), where
        assert len(description.replace("**Roles:**", "")) > len(summary) + 20, where


def test_every_operation_says_which_roles_may_call_it(doc: dict[str, Any]) -> None:
    for method, path, op in operations(doc):
        if path in ("/healthz", "/readyz"):  # no token
            continue
        roles = re.findall(r"\*\*Roles:\*\* (.*)\.$", op["description"])
        assert roles and "`admin`" in roles[0], f"{method} {path}"


def test_every_tag_is_described_and_used(doc: dict[str, Any]) -> None:
    described = {t["name"]: t.get("description", "") for t in doc["tags"]}
    used = {
        tag
        for item in [*doc["paths"].values(), *doc["webhooks"].values()]
        for op in item.values()
        for tag in op["tags"]
    }
    assert used == set(described) and all(described.values())


def test_the_description_is_a_quick_start(doc: dict[str, Any]) -> None:
    text = doc["info"]["description"]
    for section in ("Quick start", "Authentication", "Idempotency", "Errors", "Paging", "Events"):
        assert f"## {section}" in text
    assert "Authorization: Bearer" in text and "Idempotency-Key" in text and "next_cursor" in text


def test_every_event_type_is_a_documented_webhook_with_its_payload(doc: dict[str, Any]) -> None:
    """The catalog is what the outbox admits (``tests/unit/test_event_catalog.py``); here it is in the document."""
    assert doc["openapi"].startswith("3.1")
    assert set(doc["webhooks"]) == set(EVENT_TYPES)
    schemas = doc["components"]["schemas"]
    for name, event_type in EVENT_TYPES.items():
        op = doc["webhooks"][name]["post"]
        headers = {p["name"] for p in op["parameters"] if p["in"] == "header"}
        assert {"X-WMS-Signature", "X-WMS-Event-Id", "X-WMS-Event-Type"} <= headers
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        envelope = schemas[ref]
        assert set(envelope["required"]) == {"id", "seq", "type", "payload", "created_at"}
        assert envelope["properties"]["type"]["const"] == name
        payload = envelope["properties"]["payload"]["$ref"].rsplit("/", 1)[1]
        assert payload == event_type.payload.__name__ and schemas[payload]["description"]
    assert "X-WMS-Signature" in doc["paths"]["/v1/webhooks"]["post"]["description"]
