"""A small world of two warehouses for calling every operation of the API against real resources.

Warehouse BER1 (the OpenAPI examples' warehouse, stocked by their receipt) has one of everything: orders
allocated there, a wave with its pick list, a shipment packed into a parcel and shipped, a return, a cycle
count, a pick face with its replenishment task, and an order still open with a problem. HAM2 has its own
stock, order, wave and count. One more order has no shipment at all (it waits for review) and so belongs to
no warehouse. Tokens of every role exist unscoped and limited to each warehouse, plus a revoked one.

``PARAMS`` gives every path parameter a resource of BER1, ``BODIES`` a body to each operation that needs
one and has no example in the document; markers are strings that only one side's data contains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from tests.api.openapi_helpers import body_examples
from tests.api.orders_helpers import order_body
from tests.api.picking_helpers import pick_all
from tests.conftest import SMALL_LAYOUT, Api, Backend, make_token
from wms.auth.keys import ROLES, create_key, revoke_key
from wms.orders import bulk_results, intake_jobs
from wms.orders.workflow import Policy

HOME, OTHER = "BER1", "HAM2"
# What only BER1's data, only HAM2's data, or only data of no warehouse, contains
MARKERS = {HOME: ("BER1", "WEB-"), OTHER: ("HAM2", "HAM-"), None: ("NOWHERE",)}
SHELF, REPLENISH_FROM = "A02-B007-L1-R", "A01-B003-L1-L"

# Bodies of the operations the document has no example for (minimal and valid, about BER1's resources)
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/v1/stock/adjustments"): {
        "warehouse": HOME,
        "location": SHELF,
        "sku": "TEAPOT-1L",
        "lot": "TP-2603",
        "delta": -1,
        "reason": "damaged",
    },
    ("post", "/v1/cycle-counts"): {"warehouse": HOME, "location": SHELF},
    ("post", "/v1/cycle-counts/{count_id}/result"): {"lines": []},
    ("post", "/v1/orders/{order_id}/cancel"): {"reason": "customer changed their mind"},
    ("post", "/v1/orders/{order_id}/carrier"): {"carrier": "UPS"},
    ("post", "/v1/orders/{order_id}/problems/{problem_id}/resolve"): {"resolution": "checked by a person"},
    ("post", "/v1/pick-lists/{pick_list_id}/short-picks"): {
        "location": REPLENISH_FROM,
        "sku": "MUG-WHITE-350",
        "reason": "not_found",
    },
    ("post", "/v1/pick-lists/{pick_list_id}/deliver"): {"location": "PACKING"},
    ("post", "/v1/replenishments/claim"): {"warehouse": HOME},
    ("post", "/v1/replenishments/{task_id}/confirm"): {
        "from_location": REPLENISH_FROM,
        "lot": "MUG-2603",
        "quantity": 1,
    },
}


@dataclass
class World:
    doc: dict[str, Any]
    params: dict[str, Any]  # path parameter → a resource of BER1
    tokens: dict[str, str]  # "erp", "erp@BER1", "erp@HAM2", … and "revoked"
    overrides: dict[str, Any] = field(default_factory=dict)  # body fields pointing at BER1's resources

    def body(self, method: str, path: str) -> dict[str, Any] | None:
        """The example of the document (its first), else ``BODIES``; references to BER1's resources."""
        examples = body_examples(self.doc, path, method)
        body = next(iter(examples.values()), None) or BODIES.get((method, path))
        if body is None:
            return None
        return {**body, **{k: v for k, v in self.overrides.items() if k in body}}


def build(backend: Backend, client: TestClient) -> World:
    admin = Api(client, make_token(backend, "admin"))
    doc = client.get("/openapi.json").json()

    def story(path: str, expect: int = 201, api: Api = admin, **changes: Any) -> dict[str, Any]:
        """Post the document's first example of ``path``."""
        return api.post(path, {**next(iter(body_examples(doc, path).values())), **changes}, expect=expect)

    story("/v1/warehouses")
    admin.post("/v1/warehouses", {"code": OTHER, "name": "Hamburg", "layout": SMALL_LAYOUT})
    tokens = _tokens(backend)
    for example in body_examples(doc, "/v1/items").values():
        admin.post("/v1/items", example)
    admin.post("/v1/items", {"sku": "SOAP", "name": "Soap"})
    receipt = story("/v1/receipts")
    admin.post(
        "/v1/receipts",
        {
            "warehouse": OTHER,
            "reference": "PO-HAM",
            "lines": [{"sku": "SOAP", "lot": "S-1", "expiry_date": None, "quantity": 20, "location": "A01-B001-L1-L"}],
        },
    )

    shipped = story("/v1/orders")  # BER1: mugs and a teapot
    open_order = admin.post(
        "/v1/orders",
        order_body(("MUG-WHITE-350", 1), ("OLIVE-OIL-500", 1), external_id="WEB-OPEN-1", customer="C-OPEN"),
    )
    assert [s["warehouse"] for s in open_order["shipments"]] == [HOME]  # the oil waits at RECEIVING
    [problem] = [p for p in open_order["problem_list"] if p["code"] == "out_of_stock"]
    admin.post("/v1/orders", order_body(("SOAP", 1), external_id="HAM-1", customer="C-HAM"))
    nowhere = admin.post(
        "/v1/orders",
        order_body(("SOAP", 1), external_id="NOWHERE-1", customer="C-NOWHERE", buyer_message="call me first"),
    )
    assert nowhere["shipments"] == []

    wave = story("/v1/waves")
    assert wave["orders"] == [shipped["id"]]
    admin.post("/v1/waves", {"warehouse": OTHER, "cart": {}})
    picker = Api(client, tokens["picker@BER1"])
    pick_list = pick_all(picker, story("/v1/pick-lists/claim", expect=200, api=picker))
    picker.post(f"/v1/pick-lists/{pick_list['id']}/deliver", expect=200)
    [shipment] = admin.get(f"/v1/orders/{shipped['id']}")["shipments"]
    packed = picker.post(
        f"/v1/shipments/{shipment['id']}/pack",
        next(iter(body_examples(doc, "/v1/shipments/{shipment_id}/pack").values())),
    )
    picker.post(f"/v1/shipments/{shipment['id']}/ship", expect=200)
    returned = story("/v1/returns", order_id=shipped["id"])

    count = admin.post("/v1/cycle-counts", {"warehouse": HOME, "location": SHELF})
    admin.post("/v1/cycle-counts", {"warehouse": OTHER, "location": "A01-B001-L1-L"})
    story("/v1/pick-faces")
    task = picker.post("/v1/replenishments/claim", {"warehouse": HOME}, expect=200)
    webhook = story("/v1/webhooks")
    # a bulk push job (one larger than WMS_BULK_SYNC_MAX_ORDERS), here of one refused order: done at once
    job_id = intake_jobs.start_job(
        [],
        [bulk_results.refused(0, {}, {"code": "validation_error", "message": "invalid"})],
        backend.uow(),
        Policy(),
        "erp",
    )

    params = {
        "code": HOME,
        "sku": "MUG-WHITE-350",
        "order_id": open_order["id"],
        "problem_id": problem["id"],
        "receipt_id": receipt["id"],
        "count_id": count["id"],
        "wave_id": wave["id"],
        "pick_list_id": pick_list["id"],
        "shipment_id": shipment["id"],
        "parcel_id": packed["parcels"][0]["id"],
        "return_id": returned["id"],
        "task_id": task["id"],
        "webhook_id": webhook["id"],
        "job_id": job_id,
    }
    return World(doc, params, tokens, overrides={"warehouse": HOME, "order_id": shipped["id"]})


def _tokens(backend: Backend) -> dict[str, str]:
    tokens = {}
    for role in ROLES:
        tokens[role] = make_token(backend, role)
        for warehouse in (HOME, OTHER):
            tokens[f"{role}@{warehouse}"] = make_token(backend, role, warehouse)
    key, tokens["revoked"] = create_key(backend.uow(), "admin")
    revoke_key(backend.uow(), key.id)
    return tokens
