"""The request body examples of the OpenAPI document are valid, and posted in order they work.

The examples (``wms/api/examples.py``) are read from the served document, so what is tested is what an
integrator sees. Posting them also emits events of most types: each payload must match its documented model.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import create_engine

from tests.api.openapi_helpers import api_routes, body_examples
from tests.api.picking_helpers import pick_all
from tests.conftest import Api, Backend, make_token
from wms.api.app import create_app
from wms.config import Settings
from wms.events.catalog import EVENT_TYPES
from wms.orders.commands import PushOrder

MAIN_BODIES = [
    "/v1/warehouses",
    "/v1/items",
    "/v1/receipts",
    "/v1/orders",
    "/v1/orders/bulk",
    "/v1/orders/messages",
    "/v1/waves",
    "/v1/pick-lists/{pick_list_id}/confirmations",
    "/v1/shipments/{shipment_id}/pack",
    "/v1/returns",
    "/v1/webhooks",
]


@pytest.fixture(scope="module")
def docs_app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://"), create_engine("sqlite://"))


def served(client: TestClient) -> dict[str, Any]:
    """The document as integrators get it (with the nulls that ``app.openapi()`` also has)."""
    r = client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def test_the_main_request_bodies_have_examples(docs_app: FastAPI) -> None:
    doc = served(TestClient(docs_app))
    assert [p for p in MAIN_BODIES if not body_examples(doc, p)] == []


def test_every_example_is_valid_for_its_model(docs_app: FastAPI) -> None:
    doc = served(TestClient(docs_app))
    checked = 0
    for route in api_routes(docs_app.routes):
        for method in route.methods:
            examples = body_examples(doc, route.path, method.lower()) if route.body_field else {}
            model = route.body_field.field_info.annotation if route.body_field else None
            for name, value in examples.items():
                assert isinstance(model, type) and issubclass(model, BaseModel), route.path
                model.model_validate(value)  # raises with the example's name in the traceback
                checked += 1
                if model.__name__ == "BulkPush":  # its orders are free-form dicts until each is taken
                    for order in value["orders"]:
                        PushOrder.model_validate(order)
                assert name and value, route.path
    assert checked >= len(MAIN_BODIES)


def test_the_examples_posted_in_order_tell_a_story_that_works(backend: Backend, client: TestClient, admin: Api) -> None:
    doc = served(client)

    def examples(path: str) -> list[dict[str, Any]]:
        return list(body_examples(doc, path).values())

    def post_each(path: str, expect: int | None = 201, api: Api = admin) -> list[dict[str, Any]]:
        return [api.post(path, body, expect=expect) for body in examples(path)]

    [warehouse] = post_each("/v1/warehouses")
    assert warehouse["code"] == "BER1" and warehouse["location_count"] == 868
    post_each("/v1/items")
    post_each("/v1/receipts")
    [order] = post_each("/v1/orders")
    assert (order["id"], order["status"]) == (1, "allocated")  # the returns example refers to order 1
    [bulk] = post_each("/v1/orders/bulk", expect=200)
    assert (bulk["created"], bulk["errors"]) == (2, 0)
    payment, address, carrier, cancel = post_each("/v1/orders/messages", expect=200)
    assert {m["result"] for m in (payment, address, carrier, cancel)} == {"applied"}
    assert cancel["order"]["status"] == "cancelled"
    assert (carrier["order"]["status"], carrier["order"]["carrier"]) == ("allocated", "UPS")

    [wave] = post_each("/v1/waves")
    assert wave["status"] == "planned" and sorted(wave["orders"]) == [1, address["order"]["id"]]
    assert len(wave["pick_lists"]) == 1
    [route] = [
        admin.post("/v1/warehouses/BER1/routes", body, expect=200) for body in examples("/v1/warehouses/{code}/routes")
    ]
    assert route["distance_m"] > 0

    picker = Api(client, make_token(backend, "picker", "BER1"))
    [pick_list] = post_each("/v1/pick-lists/claim", expect=200, api=picker)
    [scanned] = [
        picker.post(f"/v1/pick-lists/{pick_list['id']}/confirmations", body)
        for body in examples("/v1/pick-lists/{pick_list_id}/confirmations")
    ]
    assert scanned["added_stop_ids"] == []
    [other_teapot] = [s for s in scanned["stops"] if s["order_id"] != 1]  # WEB-100235's: not found on the shelf
    short = picker.post(
        f"/v1/pick-lists/{pick_list['id']}/short-picks",
        {
            "location": other_teapot["location"],
            "sku": "TEAPOT-1L",
            "reason": "not_found",
            "stop_id": other_teapot["id"],
        },
    )
    pick_all(picker, short)
    picker.post(f"/v1/pick-lists/{pick_list['id']}/deliver", expect=200)
    [shipment] = admin.get("/v1/orders/1")["shipments"]
    [packed] = [
        picker.post(f"/v1/shipments/{shipment['id']}/pack", body)
        for body in examples("/v1/shipments/{shipment_id}/pack")
    ]
    assert packed["status"] == "packed" and len(packed["parcels"]) == 1
    [truck] = [picker.post("/v1/shipments/ship", body, expect=200) for body in examples("/v1/shipments/ship")]
    assert [(r["shipment_id"], r["result"]) for r in truck["results"]] == [(shipment["id"], "shipped")]
    [returned] = post_each("/v1/returns")
    assert returned["order_id"] == 1 and admin.get("/v1/orders/1")["status"] == "refunding"
    post_each("/v1/stock/moves")
    post_each("/v1/pick-faces")
    post_each("/v1/webhooks")

    events = admin.all("/v1/events")
    for event in events:
        assert_documented(event)
    assert {e["type"] for e in events} == set(EVENT_TYPES)  # every payload model checked against the real thing


def assert_documented(event: dict[str, Any]) -> None:
    """The event matches its envelope in the document, and its payload has no field the document lacks."""
    event_type = EVENT_TYPES[event["type"]]
    event_type.envelope.model_validate(event)
    fields = {f.alias or name for name, f in event_type.payload.model_fields.items()}
    assert set(event["payload"]) <= fields, (event["type"], set(event["payload"]) - fields)
