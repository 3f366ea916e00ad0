"""Orders waiting for stock are allocated when it arrives in storage, the most urgent first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.orders_helpers import days, order_body, receive
from tests.conftest import SMALL_LAYOUT, Api, Backend
from tests.invariants import assert_reservations_consistent, assert_stock_invariants


def test_stock_arriving_in_storage_allocates_waiting_orders_most_urgent_first(admin: Api, backend: Backend) -> None:
    admin.post("/v1/warehouses", {"code": "WH1", "name": "w", "layout": SMALL_LAYOUT})
    admin.post("/v1/items", {"sku": "MILK", "name": "Milk", "min_shelf_life_days": 10})
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    later = admin.post("/v1/orders", order_body(("MILK", 5), customer="later"))
    urgent = admin.post("/v1/orders", {**order_body(("MILK", 5), customer="urgent"), "promised_ship_by": soon})
    for o in (later, urgent):
        assert o["status"] == "ready" and [p["code"] for p in o["problem_list"]] == ["out_of_stock"]

    receipt = {
        "warehouse": "WH1",
        "reference": "PO-1",
        "lines": [{"sku": "MILK", "lot": "M1", "expiry_date": days(60), "quantity": 5, "location": "A01-B003-L1-L"}],
    }
    first = admin.post("/v1/receipts", receipt, key="po-1")
    assert admin.post("/v1/receipts", receipt, key="po-1") == first  # a retried receipt does nothing twice
    assert admin.get(f"/v1/orders/{urgent['id']}")["status"] == "allocated"
    waiting = admin.get(f"/v1/orders/{later['id']}")
    assert waiting["status"] == "ready" and waiting["lines"][0]["backordered"] == 5

    receive(admin, "WH1", ("MILK", "M2", days(90), 5, "RECEIVING"))  # not in storage yet: nothing to allocate
    assert admin.get(f"/v1/orders/{later['id']}")["status"] == "ready"
    admin.post(
        "/v1/stock/moves",
        {
            "warehouse": "WH1",
            "sku": "MILK",
            "lot": "M2",
            "quantity": 5,
            "from_location": "RECEIVING",
            "to_location": "A02-B004-L1-R",
        },
    )
    allocated = admin.get(f"/v1/orders/{later['id']}")
    assert allocated["status"] == "allocated" and allocated["lines"][0]["backordered"] == 0
    assert [(p["code"], p["resolved_at"] is not None) for p in allocated["problem_list"]] == [("out_of_stock", True)]
    assert allocated["problems"] == []
    assert admin.all("/v1/order-problems", code="out_of_stock") == []
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)
