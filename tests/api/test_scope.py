"""Warehouse scope of orders: which orders a token limited to a warehouse reads and changes.

An order belongs to the warehouses of its live shipments: a limited token reads an order with a shipment in
its warehouse (and sees only those shipments) and changes one whose shipments are all there. An order with
no live shipment (unpaid, under review, wholly backordered, cancelled) is in no warehouse. Order intake,
ERP messages, events and webhooks span every warehouse. ``test_access.py`` calls every operation this way;
these are the cases it does not build: orders split across warehouses and orders in none.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.api.orders_helpers import order_body, world
from tests.conftest import Api, Backend, make_token
from tests.invariants import database_state
from wms.auth.keys import create_key, revoke_key


@pytest.fixture
def shop(admin: Api) -> Api:
    """WH1 and WH2 stocked (``orders_helpers.world``), an item GHOST that no warehouse has."""
    world(admin)
    admin.post("/v1/items", {"sku": "GHOST", "name": "never in stock"})
    return admin


def scoped(backend: Backend, client: TestClient, role: str, warehouse: str) -> Api:
    return Api(client, make_token(backend, role, warehouse))


def test_a_token_of_one_warehouse_neither_reads_nor_changes_another_warehouses_order(
    shop: Api, backend: Backend, client: TestClient
) -> None:
    theirs = shop.post("/v1/orders", order_body(("TEA", 15), ("GHOST", 1), customer="C-WH2"))
    assert [s["warehouse"] for s in theirs["shipments"]] == ["WH2"] and theirs["problems"] == ["out_of_stock"]
    ours = shop.post("/v1/orders", order_body(("MILK", 1), customer="C-WH1"))
    erp, planner = scoped(backend, client, "erp", "WH1"), scoped(backend, client, "planner", "WH1")
    before = database_state(backend.engine)
    problem = theirs["problem_list"][0]["id"]
    for api, method, path, body in [
        (erp, "get", f"/v1/orders/{theirs['id']}", None),
        (erp, "post", f"/v1/orders/{theirs['id']}/cancel", {"reason": "hostile"}),
        (planner, "post", f"/v1/orders/{theirs['id']}/problems/{problem}/resolve", {"resolution": "x"}),
        (planner, "post", f"/v1/orders/{theirs['id']}/carrier", {"carrier": "DHL"}),
        (erp, "get", "/v1/events", None),
        (erp, "get", "/v1/orders/messages", None),
        (erp, "post", "/v1/orders", order_body(("TEA", 1))),
        (
            erp,
            "post",
            "/v1/orders/messages",
            {
                "channel": "shop",
                "external_id": theirs["external_id"],
                "type": "cancel",
                "at": "2026-03-02T11:00:00+01:00",
            },
        ),
    ]:
        r = client.request(method, path, json=body, headers=api.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "warehouse_forbidden"), (path, r.text)
    assert database_state(backend.engine) == before
    assert [o["id"] for o in erp.all("/v1/orders")] == [ours["id"]]
    assert planner.all("/v1/order-problems") == []
    assert [p["order_id"] for p in scoped(backend, client, "planner", "WH2").all("/v1/order-problems")] == [
        theirs["id"]
    ]
    assert erp.get(f"/v1/orders/{ours['id']}")["id"] == ours["id"]


def test_an_order_in_no_warehouse_is_for_tokens_of_every_warehouse_only(
    shop: Api, backend: Backend, client: TestClient
) -> None:
    unpaid = shop.post("/v1/orders", order_body(("TEA", 1), paid=False))
    review = shop.post("/v1/orders", order_body(("TEA", 1), buyer_message="gift wrap, please"))
    assert unpaid["shipments"] == review["shipments"] == []
    for warehouse in ("WH1", "WH2"):
        planner = scoped(backend, client, "planner", warehouse)
        assert planner.all("/v1/orders") == planner.all("/v1/order-problems") == []
        for order in (unpaid, review):
            assert planner.get(f"/v1/orders/{order['id']}", expect=403)["error"]["code"] == "warehouse_forbidden"
    everywhere = Api(client, make_token(backend, "planner"))
    assert {o["id"] for o in everywhere.all("/v1/orders")} == {unpaid["id"], review["id"]}
    assert [p["order_id"] for p in everywhere.all("/v1/order-problems")] == [review["id"]]


def test_an_order_split_across_warehouses_is_read_by_each_and_changed_by_neither(
    shop: Api, backend: Backend, client: TestClient
) -> None:
    split = shop.post("/v1/orders", order_body(("TEA", 35)))
    assert sorted(s["warehouse"] for s in split["shipments"]) == ["WH1", "WH2"]
    for warehouse in ("WH1", "WH2"):
        erp = scoped(backend, client, "erp", warehouse)
        seen = erp.get(f"/v1/orders/{split['id']}")
        assert [s["warehouse"] for s in seen["shipments"]] == [warehouse]  # the other one is not its business
        assert [o["id"] for o in erp.all("/v1/orders")] == [split["id"]]
        before = database_state(backend.engine)
        refused = erp.post(f"/v1/orders/{split['id']}/cancel", expect=403)
        assert refused["error"]["code"] == "warehouse_forbidden" and "not only" in refused["error"]["message"]
        assert database_state(backend.engine) == before
    assert (
        Api(client, make_token(backend, "erp")).post(f"/v1/orders/{split['id']}/cancel", expect=200)["status"]
        == "cancelled"
    )


def test_a_change_retried_with_its_key_gets_its_first_answer_even_when_the_order_left_the_warehouse(
    shop: Api, backend: Backend, client: TestClient
) -> None:
    order = shop.post("/v1/orders", order_body(("MILK", 1)))
    erp = scoped(backend, client, "erp", "WH1")
    first = erp.post(f"/v1/orders/{order['id']}/cancel", expect=200, key="cancel-1")
    assert first["status"] == "cancelled" and first["shipments"] == []
    r = client.post(f"/v1/orders/{order['id']}/cancel", headers={**erp.headers, "Idempotency-Key": "cancel-1"})
    assert r.status_code == 200 and r.headers["Idempotent-Replayed"] == "true" and r.json() == first
    # cancelled, the order holds nothing in WH1 any more: it belongs to no warehouse
    assert erp.get(f"/v1/orders/{order['id']}", expect=403)["error"]["code"] == "warehouse_forbidden"
    erp.post(f"/v1/orders/{order['id']}/cancel", expect=403, key="cancel-2")


def test_a_revoked_token_gets_no_replay(backend: Backend, client: TestClient, admin: Api, warehouse: str) -> None:
    key, token = create_key(backend.uow(), "planner")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "count-1"}
    body = {"warehouse": warehouse, "location": "A01-B001-L1-L"}
    assert client.post("/v1/cycle-counts", json=body, headers=headers).status_code == 201
    revoke_key(backend.uow(), key.id)
    r = client.post("/v1/cycle-counts", json=body, headers=headers)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "invalid_token")


def test_an_admin_of_one_warehouse_administers_that_warehouse_only(
    shop: Api, backend: Backend, client: TestClient
) -> None:
    admin = scoped(backend, client, "admin", "WH1")
    assert admin.post("/v1/cycle-counts", {"warehouse": "WH1", "location": "A01-B001-L1-L"})["warehouse"] == "WH1"
    assert [w["code"] for w in admin.all("/v1/warehouses")] == ["WH1"]
    for path, body in [
        ("/v1/cycle-counts", {"warehouse": "WH2", "location": "A01-B001-L1-L"}),
        ("/v1/warehouses", {"code": "WH3", "name": "x", "layout": {}}),
        ("/v1/webhooks", {"url": "https://erp.example.com/hook"}),
        ("/v1/items", {"sku": "NEW", "name": "x"}),
    ]:
        assert admin.post(path, body, expect=403)["error"]["code"] == "warehouse_forbidden", path
    for path in ("/v1/webhooks", "/v1/events"):
        assert admin.get(path, expect=403)["error"]["code"] == "warehouse_forbidden"
    r = client.get("/v1/stock", params=[("warehouse", "WH1"), ("warehouse", "WH2")], headers=admin.headers)
    assert r.status_code == 403  # every value of a repeated filter is checked


def test_where_a_settled_resource_is_is_read_once_and_still_keeps_other_warehouses_out(
    shop: Api, backend: Backend, client: TestClient
) -> None:
    """A receipt (pick list, shipment, …) never changes warehouse: a limited token's request about it reads
    where it is the first time only (``wms.api.scope.Settled``). What is remembered still refuses the other
    warehouse's tokens, and an unknown id is looked up (and is a 404) every time."""
    line = {"sku": "TEA", "lot": "T-S", "expiry_date": None, "quantity": 1, "location": "A01-B001-L1-L"}
    receipt = {
        code: shop.post("/v1/receipts", {"warehouse": code, "reference": "PO-S", "lines": [line]})["id"]
        for code in ("WH1", "WH2")
    }
    wh1, wh2 = scoped(backend, client, "planner", "WH1"), scoped(backend, client, "planner", "WH2")
    statements: list[str] = []

    def count(*args: object) -> None:
        if not str(args[2]).lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            statements.append(str(args[2]))  # the statements, not the transaction control SQLite shows

    def statements_of(api: Api, path: str, status: int) -> int:
        statements.clear()
        r = client.get(path, headers=api.headers)
        assert r.status_code == status, r.text
        return len(statements)

    event.listen(backend.engine, "before_cursor_execute", count)
    try:
        first = statements_of(wh1, f"/v1/receipts/{receipt['WH1']}", 200)
        assert statements_of(wh1, f"/v1/receipts/{receipt['WH1']}", 200) == first - 1  # where it is: known
        refused = statements_of(wh2, f"/v1/receipts/{receipt['WH1']}", 403)  # known, and not in WH2
        assert refused == 1  # the token only: the scope needed no read
        assert statements_of(wh2, f"/v1/receipts/{receipt['WH2']}", 200) == first
        unknown = statements_of(wh1, "/v1/receipts/999999", 404)
        assert statements_of(wh1, "/v1/receipts/999999", 404) == unknown  # not remembered
    finally:
        event.remove(backend.engine, "before_cursor_execute", count)
