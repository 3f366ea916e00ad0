"""Orders through the HTTP API: intake, review, lifecycle, FEFO, merge, split, cancel."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.api.orders_helpers import ADDRESS, allocations, order_body, receive, reserved, world
from tests.conftest import Api, Backend
from tests.invariants import assert_stock_invariants, snapshot


@pytest.fixture
def shop(admin: Api) -> Api:
    world(admin)
    return admin


def test_paid_order_is_allocated_fefo_skipping_expired_and_short_dated(shop: Api, backend: Backend) -> None:
    order = shop.post("/v1/orders", order_body(("MILK", 8), ("TEA", 2)))
    assert order["status"] == "allocated" and order["problems"] == []
    # 6 + 4 of the lot expiring in 30 days would do; largest first → 6 at A02-B001, then 2 at A03-B001
    assert allocations(order) == [
        ("WH1", "MILK", "A02-B001-L1-L", "M-EARLY", 6),
        ("WH1", "MILK", "A03-B001-L1-L", "M-EARLY", 2),
        ("WH1", "TEA", "A01-B010-L1-R", "T-1", 2),
    ]
    assert [ln["allocated"] for ln in order["lines"]] == [8, 2]
    assert reserved(shop) == {
        ("WH1", "A02-B001-L1-L", "M-EARLY"): 6,
        ("WH1", "A03-B001-L1-L", "M-EARLY"): 2,
        ("WH1", "A01-B010-L1-R", "T-1"): 2,
    }
    paid_at = datetime.fromisoformat(order["paid_at"])
    assert datetime.fromisoformat(order["ship_by"]) == min(
        paid_at + timedelta(days=3), datetime.fromisoformat(order["promised_ship_by"])
    )
    assert [h["to_status"] for h in order["history"]] == ["unconfirmed", "ready", "allocated"]
    assert_stock_invariants(backend.engine)


def test_pushing_the_same_order_again_returns_it(shop: Api) -> None:
    body = order_body(("TEA", 1), external_id="DUP-1")
    first = shop.post("/v1/orders", body)
    again = shop.post("/v1/orders", body, expect=200)
    assert again["id"] == first["id"] and again["status"] == "allocated"
    assert len(shop.all("/v1/orders", external_id="DUP-1")) == 1
    assert reserved(shop)[("WH1", "A01-B010-L1-R", "T-1")] == 1


def test_unpaid_order_waits_for_payment(shop: Api) -> None:
    order = shop.post("/v1/orders", order_body(("TEA", 1), external_id="U-1", paid=False))
    assert order["status"] == "awaiting_payment" and order["shipments"] == [] and order["ship_by"] is None
    created = datetime.fromisoformat(order["created_at"])
    assert datetime.fromisoformat(order["payment_reminder_at"]) - created == timedelta(days=2)
    paid_at = created + timedelta(hours=1)
    msg = shop.post(
        "/v1/orders/messages",
        {"channel": "shop", "external_id": "U-1", "type": "payment", "at": paid_at.isoformat()},
        expect=200,
    )
    order = msg["order"]
    assert msg["result"] == "applied" and order["status"] == "allocated" and order["payment_reminder_at"] is None
    assert datetime.fromisoformat(order["ship_by"]) == min(
        paid_at + timedelta(days=3), datetime.fromisoformat(order["promised_ship_by"])
    )


def test_unclear_address_becomes_a_problem_until_corrected(shop: Api) -> None:
    bad = {**ADDRESS, "city": " ", "postcode": "ABC"}
    order = shop.post("/v1/orders", order_body(("TEA", 1), external_id="A-1", ship_to=bad))
    assert order["status"] == "unconfirmed" and order["problems"] == ["unclear_address"]
    problem = order["problem_list"][0]
    assert problem["due_at"].startswith(order["created_at"][:10])  # same day
    assert [p["order_id"] for p in shop.all("/v1/order-problems", code="unclear_address")] == [order["id"]]
    assert [o["id"] for o in shop.all("/v1/orders", problem="unclear_address")] == [order["id"]]
    fixed = shop.post(
        "/v1/orders/messages",
        {
            "channel": "shop",
            "external_id": "A-1",
            "type": "address",
            "at": datetime.now().astimezone().isoformat(),
            "ship_to": ADDRESS,
        },
        expect=200,
    )["order"]
    assert fixed["status"] == "allocated" and fixed["problems"] == [] and fixed["ship_to"]["city"] == "Springfield"
    assert shop.all("/v1/order-problems") == []


@pytest.mark.parametrize(
    ("address", "detail"),
    [
        ({**ADDRESS, "postcode": "1234"}, "postcode '1234' does not fit US (e.g. 95014)"),
        ({**ADDRESS, "country": "XX"}, "country 'XX' is not an ISO 3166 country"),
        ({**ADDRESS, "country": "ZZ"}, "country 'ZZ' is not an ISO 3166 country"),
        ({**ADDRESS, "country": "Narnia"}, "country 'Narnia' is not an ISO 3166 country"),
        ({**ADDRESS, "country": "u1"}, "country 'u1' is not an ISO 3166 country"),
        ({**ADDRESS, "country": "Germany", "postcode": "1234"}, "postcode '1234' does not fit DE (e.g. 26133)"),
        ({**ADDRESS, "postcode": ""}, "address lacks postcode"),
        ({**ADDRESS, "name": ""}, "address lacks name"),
    ],
)
def test_odd_addresses_are_accepted_as_problem_orders(shop: Api, address: dict, detail: str) -> None:
    order = shop.post("/v1/orders", order_body(("TEA", 1), ship_to=address))
    assert order["problems"] == ["unclear_address"] and order["status"] == "unconfirmed"
    assert order["problem_list"][0]["detail"] == detail


@pytest.mark.parametrize(
    ("country", "postcode", "stored"),
    [
        ("US", "12345", "US"),
        ("us", "12345-6789", "US"),
        ("USA", "12345", "US"),
        ("Germany", "10115", "DE"),
        ("DEU", "10115", "DE"),
        ("de", "10115", "DE"),
        ("United Kingdom", "EC1Y 8SY", "GB"),
        ("CA", "K1A 0B1", "CA"),
        ("HK", "", "HK"),
        ("AE", "", "AE"),
    ],
)
def test_countries_by_code_or_name_are_kept_as_alpha_2(shop: Api, country: str, postcode: str, stored: str) -> None:
    order = shop.post(
        "/v1/orders", order_body(("TEA", 1), ship_to={**ADDRESS, "country": country, "postcode": postcode})
    )
    assert order["problems"] == [] and order["status"] == "allocated"
    assert order["ship_to"]["country"] == stored and order["ship_to"]["postcode"] == postcode


def test_orders_to_one_country_spelled_two_ways_merge(shop: Api) -> None:
    german = {**ADDRESS, "postcode": "10115", "city": "Berlin"}
    a = shop.post("/v1/orders", order_body(("TEA", 1), ship_to={**german, "country": "Germany"}))
    b = shop.post("/v1/orders", order_body(("SOAP", 1), ship_to={**german, "country": "DE"}))
    assert a["shipments"][0]["id"] == b["shipments"][0]["id"]


def test_buyer_message_needs_a_person(shop: Api) -> None:
    order = shop.post("/v1/orders", order_body(("TEA", 1), buyer_message="please gift wrap"))
    assert order["status"] == "unconfirmed" and order["problems"] == ["buyer_message"]
    problem_id = order["problem_list"][0]["id"]
    done = shop.post(f"/v1/orders/{order['id']}/problems/{problem_id}/resolve", {"resolution": "wrapped"}, expect=200)
    assert done["status"] == "allocated"
    shop.post(f"/v1/orders/{order['id']}/problems/{problem_id}/resolve", {"resolution": "x"}, expect=409)


def test_out_of_stock_is_backordered_and_retried(shop: Api, backend: Backend) -> None:
    order = shop.post("/v1/orders", order_body(("SOAP", 20)))
    assert order["status"] == "ready" and order["problems"] == ["out_of_stock"]
    assert [(ln["allocated"], ln["backordered"]) for ln in order["lines"]] == [(11, 9)]
    assert {sh["warehouse"] for sh in order["shipments"]} == {"WH1", "WH2"}
    problem_id = order["problem_list"][0]["id"]
    still = shop.post(f"/v1/orders/{order['id']}/problems/{problem_id}/resolve", {"resolution": "retry"}, expect=200)
    assert still["problems"] == ["out_of_stock"] and still["status"] == "ready"
    receive(shop, "WH2", ("SOAP", "S-3", None, 9, "A03-B001-L1-L"))  # the receipt allocates the waiting order
    done = shop.get(f"/v1/orders/{order['id']}")
    assert done["status"] == "allocated" and done["problems"] == []
    again = shop.post(f"/v1/orders/{order['id']}/problems/{problem_id}/resolve", {"resolution": "x"}, expect=409)
    assert again["error"]["code"] == "problem_resolved"
    assert sum(ln["quantity"] for sh in done["shipments"] for ln in sh["lines"]) == 20
    assert_stock_invariants(backend.engine)


def test_split_uses_the_fewest_warehouses(shop: Api) -> None:
    order = shop.post("/v1/orders", order_body(("TEA", 35), ("SOAP", 2)))
    # WH2 alone lacks TEA (30), WH1 alone lacks TEA (10): two shipments, TEA split once, SOAP from one of them
    assert order["status"] == "allocated" and len(order["shipments"]) == 2
    per_sku = {}
    for sh in order["shipments"]:
        for ln in sh["lines"]:
            per_sku.setdefault(ln["sku"], []).append(ln["quantity"])
    assert sorted(per_sku["TEA"]) == [5, 30] or sorted(per_sku["TEA"]) == [10, 25]
    assert per_sku["SOAP"] == [2]


def test_merge_and_undo_on_cancel(shop: Api, backend: Backend) -> None:
    a = shop.post("/v1/orders", order_body(("TEA", 1)))
    b = shop.post("/v1/orders", order_body(("SOAP", 1)))
    other = shop.post("/v1/orders", order_body(("TEA", 1), customer="C2"))
    assert a["shipments"][0]["id"] == b["shipments"][0]["id"] != other["shipments"][0]["id"]
    assert shop.get(f"/v1/orders/{a['id']}")["shipments"][0]["orders"] == [a["id"], b["id"]]
    cancelled = shop.post(f"/v1/orders/{a['id']}/cancel", {"reason": "customer changed mind"}, expect=200)
    assert cancelled["status"] == "cancelled" and cancelled["shipments"] == []
    b_now = shop.get(f"/v1/orders/{b['id']}")
    assert b_now["status"] == "allocated" and b_now["shipments"][0]["orders"] == [b["id"]]
    assert reserved(shop) == {("WH1", "A01-B020-L1-R", "S-1"): 1, ("WH1", "A01-B010-L1-R", "T-1"): 1}
    assert shop.post(f"/v1/orders/{a['id']}/cancel", expect=200)["status"] == "cancelled"  # repeat: no-op
    assert_stock_invariants(backend.engine)


def test_refund_before_shipping_releases_and_is_final(shop: Api) -> None:
    order = shop.post("/v1/orders", order_body(("TEA", 3), external_id="R-1"))
    msg = shop.post(
        "/v1/orders/messages",
        {"channel": "shop", "external_id": "R-1", "type": "refund", "at": datetime.now().astimezone().isoformat()},
        expect=200,
    )
    assert msg["order"]["status"] == "refunded" and reserved(shop) == {}
    err = shop.post(f"/v1/orders/{order['id']}/cancel", expect=409)
    assert err["error"]["code"] == "illegal_transition"


BAD_ORDERS = [
    (lambda b: {**b, "lines": [{"sku": "NOPE", "quantity": 1}]}, 404),
    (lambda b: {**b, "lines": [{"sku": "TEA", "quantity": 0}]}, 422),
    (lambda b: {**b, "lines": [{"sku": "TEA", "quantity": -2}]}, 422),
    (lambda b: {**b, "lines": [{"sku": "TEA", "quantity": 1.5}]}, 422),
    (lambda b: {**b, "lines": []}, 422),
    (lambda b: {k: v for k, v in b.items() if k != "customer_id"}, 422),
    (lambda b: {k: v for k, v in b.items() if k != "promised_ship_by"}, 422),
    (lambda b: {**b, "paid": "yes"}, 422),
    (lambda b: {**b, "promised_ship_by": "tomorrow"}, 422),
    (lambda b: {**b, "promised_ship_by": "2026-12-01T10:00:00"}, 422),  # no offset
    (lambda b: {**b, "ship_to": {k: v for k, v in ADDRESS.items() if k != "city"}}, 422),
    (lambda b: {**b, "ship_to": {**ADDRESS, "floor": 3}}, 422),
    (lambda b: {**b, "ship_to": {**ADDRESS, "country": "x" * 101}}, 422),  # absurd, not odd
    (lambda b: {**b, "ship_to": {**ADDRESS, "country": 276}}, 422),
    (lambda b: {**b, "ship_to": {**ADDRESS, "postcode": "1" * 21}}, 422),
    (lambda b: {**b, "priority": 1}, 422),
    (lambda b: [b], 422),
]


@pytest.mark.parametrize("mutate,status", BAD_ORDERS)
def test_bad_orders_create_nothing(shop: Api, backend: Backend, mutate, status: int) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(backend.engine)
    err = shop.post("/v1/orders", mutate(order_body(("TEA", 1))), expect=status)
    assert err["error"]["code"] and err["error"]["message"]
    assert shop.all("/v1/orders") == [] and snapshot(backend.engine) == before
    assert shop.get("/v1/events")["items"] == []


def test_bulk_push_reports_each_order(shop: Api) -> None:
    good = order_body(("TEA", 1), external_id="B-1")
    result = shop.post(
        "/v1/orders/bulk",
        {
            "orders": [
                good,
                order_body(("NOPE", 1)),
                {"external_id": "x"},
                good,
                order_body(("SOAP", 1), external_id="B-2"),
            ]
        },
        expect=200,
    )
    assert [(r["result"], r["status_code"]) for r in result["results"]] == [
        ("created", 201),
        ("error", 404),
        ("error", 422),
        ("existing", 200),
        ("created", 201),
    ]
    assert (result["created"], result["existing"], result["errors"]) == (2, 1, 2)
    assert sorted(o["external_id"] for o in shop.all("/v1/orders")) == ["B-1", "B-2"]
    shop.post("/v1/orders/bulk", {"orders": []}, expect=422)


def test_every_status_change_is_an_event_in_order(shop: Api) -> None:
    order = shop.post("/v1/orders", order_body(("TEA", 1), external_id="E-1"))
    shop.post(f"/v1/orders/{order['id']}/cancel", expect=200)
    events = shop.get("/v1/events")["items"]
    changes = [(e["payload"]["from"], e["payload"]["to"]) for e in events if e["type"] == "order.status_changed"]
    assert changes == [
        (None, "unconfirmed"),
        ("unconfirmed", "ready"),
        ("ready", "allocated"),
        ("allocated", "cancelled"),
    ]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert len({e["id"] for e in events}) == len(events)
    later = shop.get("/v1/events", after=events[1]["seq"])
    assert [e["seq"] for e in later["items"]] == [e["seq"] for e in events[2:]]
    assert later["last_seq"] == events[-1]["seq"]
