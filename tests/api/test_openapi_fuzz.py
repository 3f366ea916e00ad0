"""A schemathesis pass over the served OpenAPI document, on SQLite and on PostgreSQL.

Every operation gets generated requests (valid and invalid ones) with an admin
token, against a database that holds warehouse WH1, items A and B, stock,
ledger rows and cycle counts. No response may be a 5xx, and every response
must match what the document says: status code, content type, headers and
body schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from sqlalchemy import create_engine
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Api, Backend, make_token
from wms.api.app import create_app
from wms.config import Settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]

# Values that exist in the seeded database; generated requests use them part of the time.
KNOWN = {
    "code": ["WH1"], "warehouse": ["WH1"], "sku": ["A", "B"], "lot": ["L1", "L2"],
    "location": ["A01-B001-L1-L", "RECEIVING", "A02-B003-L1-R"],
    "from_location": ["RECEIVING", "A01-B001-L1-L"], "to_location": ["A03-B020-L1-R", "A01-B001-L1-L"],
    "receipt_id": [1, 2], "count_id": [1, 2, 3],
}


def _seed(api: Api) -> None:
    """Stock, ledger rows and cycle counts in every state, on top of the ``warehouse`` fixture."""
    def line(sku: str, lot: str, expiry: str | None, qty: int, loc: str) -> dict[str, Any]:
        return {"sku": sku, "lot": lot, "expiry_date": expiry, "quantity": qty, "location": loc}

    api.post("/v1/receipts", {"warehouse": "WH1", "reference": "PO-1", "lines": [
        line("A", "L1", "2027-03-01", 50, "RECEIVING"), line("B", "L2", None, 20, "A02-B003-L1-R")]})
    api.post("/v1/receipts", {"warehouse": "WH1", "reference": "PO-2", "lines": [
        line("A", "L1", "2027-03-01", 10, "A01-B001-L1-L")]})
    api.post("/v1/stock/moves", {"warehouse": "WH1", "sku": "A", "lot": "L1", "quantity": 5,
                                 "from_location": "RECEIVING", "to_location": "A03-B020-L1-R"})
    api.post("/v1/stock/adjustments", {"warehouse": "WH1", "location": "A02-B003-L1-R", "sku": "B", "lot": "L2",
                                       "delta": -1, "reason": "damaged"})
    posted = api.post("/v1/cycle-counts", {"warehouse": "WH1", "location": "A01-B001-L1-L"})
    api.post(f"/v1/cycle-counts/{posted['id']}/result", {"lines": [{"sku": "A", "lot": "L1", "quantity": 9}]})
    api.post(f"/v1/cycle-counts/{posted['id']}/post")
    counted = api.post("/v1/cycle-counts", {"warehouse": "WH1", "location": "A02-B003-L1-R"})
    api.post(f"/v1/cycle-counts/{counted['id']}/result", {"lines": [{"sku": "B", "lot": "L2", "quantity": 19}]})
    api.post("/v1/cycle-counts", {"warehouse": "WH1", "location": "A03-B020-L1-R"})  # stays open


def _known_or_generated(values: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """``values`` as generated, or with some fields replaced by values that exist in the database."""
    if not isinstance(values, dict):
        return st.just(values)
    swappable = [k for k in values if k in KNOWN]
    if not swappable:
        return st.just(values)
    choices = {k: st.one_of(st.just(values[k]), st.sampled_from(KNOWN[k])) for k in swappable}
    return st.fixed_dictionaries(choices).map(lambda picked: {**values, **picked})


class CurrentApp:
    """The ASGI app schemathesis talks to: it forwards each request to the app of the running test.

    The schema is loaded when this module is imported, before any backend exists, so until a test
    sets ``target`` requests go to an app without a database, which serves the same document. The
    real app's lifespan is run by the ``client`` fixture; this one answers lifespan events itself.
    """

    def __init__(self) -> None:
        self.docs_only = create_app(Settings(database_url="sqlite://"), create_engine("sqlite://"))
        self.target: Any = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await (self.target or self.docs_only)(scope, receive, send)


APP = CurrentApp()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=SchemathesisConfig())
for _container in ("path_parameters", "query", "body"):
    schema.hook(f"flatmap_{_container}")(lambda _ctx, values: _known_or_generated(values))


@pytest.fixture
def auth(backend: Backend, admin: Api, warehouse: str) -> Iterator[dict[str, str]]:
    """Seeds the database, points ``APP`` at this backend's app and gives the admin token's header."""
    _seed(admin)
    APP.target = admin.client.app
    try:
        yield {"Authorization": f"Bearer {make_token(backend, 'admin')}"}
    finally:
        APP.target = None


@schema.parametrize()
@settings(max_examples=int(os.environ.get("WMS_FUZZ_EXAMPLES", "20")), deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_every_response_conforms_to_the_document(case: schemathesis.Case, auth: dict[str, str]) -> None:
    case.call_and_validate(headers=auth, checks=CHECKS)
