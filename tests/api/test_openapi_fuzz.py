"""A schemathesis pass over the served OpenAPI document, on SQLite and on PostgreSQL.

Every operation gets generated requests in all of schemathesis's phases (the document's examples,
coverage of every constraint's edges, fuzzing) and both modes: requests that fit the document must be
accepted (no 400/422), requests that break it must be refused with a 4xx (``negative_data_rejection``),
a request without its token must be refused (``ignored_auth``), no response may be a 5xx, and every
response must match what the document says: status code, content type, headers and body schema.
So the document states what the API really accepts.

Requests carry an admin token against a database that holds warehouse WH1, items A and B, stock,
ledger rows and cycle counts; part of the time a value is replaced by one that exists there. Each
operation is one test per backend, starting from the same seeded database. Generation is
derandomized, so a run is reproducible; set ``WMS_FUZZ_EXAMPLES`` (default 15) for a longer search.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine

from tests.conftest import SMALL_LAYOUT, Api, Backend, make_token
from wms.api.app import create_app
from wms.api.pagination import encode_cursor
from wms.config import Settings
from wms.fields import RULES_BEYOND_SCHEMA

EXAMPLES = int(os.environ.get("WMS_FUZZ_EXAMPLES", "15"))


def schema_valid_data_accepted(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """``positive_data_acceptance``, except for a 422 that names only rules a JSON Schema cannot state
    (``wms.fields.RULES_BEYOND_SCHEMA``, listed in the document's guide), e.g. a move to where it starts."""
    if response.status_code == 422:
        error = response.json().get("error", {})
        named = (
            [d.get("type") for d in error.get("details") or []]
            if error.get("code") == "validation_error"
            else [error.get("code")]
        )
        if named and all(rule in RULES_BEYOND_SCHEMA for rule in named):
            return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    schema_valid_data_accepted,
    ignored_auth,
]

# Values that exist in the seeded database; requests that fit the document use them part of the time,
# anywhere in the path, query or body.
KNOWN: dict[str, list[Any]] = {
    "code": ["WH1"],
    "warehouse": ["WH1"],
    "sku": ["A", "B"],
    "lot": ["L1", "L2"],
    "expiry_date": ["2027-03-01", None],
    "location": ["A01-B001-L1-L", "RECEIVING", "A02-B003-L1-R", "A03-B020-L1-R"],
    "from_location": ["RECEIVING", "A01-B001-L1-L"],
    "to_location": ["A03-B020-L1-R", "A01-B001-L1-L"],
    "receipt_id": [1, 2],
    "count_id": [1, 2, 3],
    "aisle": [1, 3],
    "cursor": [encode_cursor(1)],
}


def _seed(api: Api) -> None:
    """What the ``warehouse`` fixture makes, then stock, ledger rows and cycle counts in every state."""
    api.post("/v1/warehouses", {"code": "WH1", "name": "Main", "layout": SMALL_LAYOUT})
    api.post("/v1/items", {"sku": "A", "name": "Item A"})
    api.post("/v1/items", {"sku": "B", "name": "Item B", "min_shelf_life_days": 30, "unit_volume_l": 0.5})

    def line(sku: str, lot: str, expiry: str | None, qty: int, loc: str) -> dict[str, Any]:
        return {"sku": sku, "lot": lot, "expiry_date": expiry, "quantity": qty, "location": loc}

    api.post(
        "/v1/receipts",
        {
            "warehouse": "WH1",
            "reference": "PO-1",
            "lines": [line("A", "L1", "2027-03-01", 50, "RECEIVING"), line("B", "L2", None, 20, "A02-B003-L1-R")],
        },
    )
    api.post(
        "/v1/receipts",
        {"warehouse": "WH1", "reference": "PO-2", "lines": [line("A", "L1", "2027-03-01", 10, "A01-B001-L1-L")]},
    )
    api.post(
        "/v1/stock/moves",
        {
            "warehouse": "WH1",
            "sku": "A",
            "lot": "L1",
            "quantity": 5,
            "from_location": "RECEIVING",
            "to_location": "A03-B020-L1-R",
        },
    )
    api.post(
        "/v1/stock/adjustments",
        {"warehouse": "WH1", "location": "A02-B003-L1-R", "sku": "B", "lot": "L2", "delta": -1, "reason": "damaged"},
    )
    posted = api.post("/v1/cycle-counts", {"warehouse": "WH1", "location": "A01-B001-L1-L"})
    api.post(f"/v1/cycle-counts/{posted['id']}/result", {"lines": [{"sku": "A", "lot": "L1", "quantity": 9}]})
    api.post(f"/v1/cycle-counts/{posted['id']}/post")
    counted = api.post("/v1/cycle-counts", {"warehouse": "WH1", "location": "A02-B003-L1-R"})
    api.post(f"/v1/cycle-counts/{counted['id']}/result", {"lines": [{"sku": "B", "lot": "L2", "quantity": 19}]})
    api.post("/v1/cycle-counts", {"warehouse": "WH1", "location": "A03-B020-L1-R"})  # stays open


def _known(value: Any, key: str | None = None) -> Any:
    """``value`` with some fields replaced by values that exist in the database (a choice fixed by the
    generated value, so runs stay reproducible)."""
    if isinstance(value, dict):
        return {k: _known(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_known(v) for v in value]
    if key in KNOWN and zlib.crc32(repr(value).encode()) % 2:
        known = KNOWN[key]
        return known[zlib.crc32(repr(value).encode()) // 2 % len(known)]
    return value


class CurrentApp:
    """The ASGI app schemathesis talks to: it forwards each request to the app of the running test.

    The schema is loaded when this module is imported, before any backend exists, so until a test
    sets ``target`` requests go to an app without a database, which serves the same document.
    Lifespan events are answered here: the test runs the real app's lifespan itself. (Loading the
    schema per test with ``schemathesis.pytest.from_fixture`` would be simpler, but schemathesis
    4.32.5's lazy schemas set ``Node._nodeid``, which pytest 9.2 no longer has.)
    """

    def __init__(self) -> None:
        self.docs_only = create_app(Settings(database_url="sqlite://"), create_engine("sqlite://"))
        self.target: Any = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await (self.target or self.docs_only)(scope, receive, send)


APP = CurrentApp()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=SchemathesisConfig())


@schema.hook
def map_case(_context: Any, case: schemathesis.Case) -> schemathesis.Case:
    """Requests that fit the document reach existing things part of the time; others are left as generated
    (a known value could mend what made them wrong)."""
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        for container in ("path_parameters", "query", "body"):
            value = getattr(case, container)
            if isinstance(value, dict):
                setattr(case, container, _known(value))
    return case


@pytest.fixture
def token(backend: Backend) -> Iterator[str]:
    """Points ``APP`` at an app on this backend with seeded data and gives an admin token.

    The backend's settings, except: no webhook relay (generated webhooks must not be called), and
    small layouts only (a generated warehouse of 500,000 locations takes 20 s to write; larger ones
    get the layout_too_large answer).
    """
    app_settings = backend.settings.model_copy(
        update={"max_locations_per_warehouse": 2_000, "webhook_relay_interval_s": 0}
    )
    app = create_app(app_settings, backend.engine)
    token = make_token(backend, "admin")
    with TestClient(app) as client:
        _seed(Api(client, token))
        APP.target = app
        try:
            yield token
        finally:
            APP.target = None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_every_response_conforms_to_the_document(case: schemathesis.Case, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
