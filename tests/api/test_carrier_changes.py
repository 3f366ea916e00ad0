"""An order's carrier changes (ERP message or planner) until it ships; the default carrier at packing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.api.orders_helpers import order_body, world
from tests.api.picking_helpers import floor, pick_all, stock_floor
from tests.conftest import Api, Backend, make_token
from tests.invariants import assert_reservations_consistent, assert_stock_invariants, snapshot
from wms.api.app import create_app
from wms.config import CarrierRule


def carrier_message(order: dict, carrier: str, at: datetime | None = None) -> dict:
    return {
        "channel": order["channel"],
        "external_id": order["external_id"],
        "type": "carrier",
        "carrier": carrier,
        "at": (at or datetime.now(UTC)).isoformat(),
    }


def shipment_orders(api: Api, order_id: int) -> list[tuple[int, list[int]]]:
    return [(sh["id"], sh["orders"]) for sh in api.get(f"/v1/orders/{order_id}")["shipments"]]


def deliver_next(picker: Api) -> int:
    """Claim, pick and deliver the next pick list; its first shipment id."""
    pl = pick_all(picker, picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200))
    picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
    return pl["stops"][0]["shipment_id"]


def pack_body(shipment: dict, kg: float = 1) -> dict:
    return {
        "items": [{"sku": i["sku"], "lot": i["lot"], "quantity": i["quantity"]} for i in shipment["items"]],
        "parcels": [{"weight_kg": kg}],
    }


def test_a_carrier_change_takes_the_order_out_of_its_merged_shipment(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    stock_floor(admin)
    a = admin.post("/v1/orders", order_body(("TEA", 1), customer="C1"))
    b = admin.post("/v1/orders", order_body(("TEA", 2), customer="C1"))
    [(merged, both)] = shipment_orders(admin, a["id"])
    assert both == [a["id"], b["id"]]
    planner = Api(client, make_token(backend, "planner", "WH1"))
    after = planner.post(f"/v1/orders/{a['id']}/carrier", {"carrier": "DHL"}, expect=200, key="dhl-a")
    assert after["carrier"] == "DHL" and after["status"] == "allocated"
    assert [(h["from_status"], h["to_status"], h["cause"]) for h in after["history"]][-2:] == [
        ("allocated", "ready", "carrier changed"),
        ("ready", "allocated", "stock reserved"),
    ]
    [(own, only_a)] = shipment_orders(admin, a["id"])
    assert own != merged and only_a == [a["id"]] and shipment_orders(admin, b["id"]) == [(merged, [b["id"]])]
    assert admin.get(f"/v1/shipments/{own}")["carrier"] == "DHL"
    assert admin.get(f"/v1/shipments/{merged}")["carrier"] == "UPS"
    # the customer's next DHL order joins A's new shipment, not B's
    c = admin.post("/v1/orders", order_body(("TEA", 1), customer="C1", carrier="DHL"))
    assert shipment_orders(admin, c["id"]) == [(own, [a["id"], c["id"]])]
    # the same request again is answered from the first; the key with another body is refused
    replay = client.post(
        f"/v1/orders/{a['id']}/carrier",
        json={"carrier": "DHL"},
        headers={**planner.headers, "Idempotency-Key": "dhl-a"},
    )
    assert replay.headers.get("Idempotent-Replayed") == "true" and replay.json() == after
    planner.post(f"/v1/orders/{a['id']}/carrier", {"carrier": "GLS"}, expect=409, key="dhl-a")
    changes = [e["payload"] for e in admin.all("/v1/events") if e["type"] == "order.carrier_changed"]
    assert [(p["order_id"], p["from"], p["to"]) for p in changes] == [(a["id"], "UPS", "DHL")]
    assert changes[0]["actor"].endswith(":planner")
    # the same carrier again changes nothing
    assert (
        planner.post(f"/v1/orders/{a['id']}/carrier", {"carrier": "DHL"}, expect=200)["history"]
        == admin.get(f"/v1/orders/{a['id']}")["history"]
        == after["history"]
    )
    assert_reservations_consistent(backend.engine)
    assert_stock_invariants(backend.engine)


def test_on_the_floor_a_packed_shipment_gets_a_new_label_and_a_shipped_order_keeps_its_carrier(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    f = floor(admin, backend, client, [[("TEA", 2)]])
    shipment_id = deliver_next(f.picker)
    shipment = f.picker.get(f"/v1/shipments/{shipment_id}")
    first = f.picker.post(f"/v1/shipments/{shipment_id}/pack", pack_body(shipment))
    assert first["parcels"][0]["carrier"] == "UPS"
    order = admin.get(f"/v1/orders/{f.wave['orders'][0]}")
    admin.post("/v1/orders/messages", carrier_message(order, "DHL"), expect=200)
    after = admin.get(f"/v1/orders/{order['id']}")
    assert after["carrier"] == "DHL" and after["status"] == "allocated"  # stays on the floor
    voided = f.picker.get(f"/v1/shipments/{shipment_id}")
    assert (voided["status"], voided["parcels"], voided["carrier"]) == ("picked", [], "DHL")
    assert {i["location"] for i in voided["items"]} == {"SHIPPING"}  # the goods stay at the dock
    second = f.picker.post(f"/v1/shipments/{shipment_id}/pack", pack_body(voided))
    parcel = second["parcels"][0]
    assert parcel["carrier"] == "DHL" and parcel["tracking_number"].startswith("DH")
    label = client.get(parcel["label_zpl_url"], headers=f.picker.headers).text
    assert "DHL" in label and "UPS" not in label
    f.picker.post(f"/v1/shipments/{shipment_id}/ship", expect=200)
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)
    # shipped: a planner is refused, an ERP message is taken but changes nothing
    error = admin.post(f"/v1/orders/{order['id']}/carrier", {"carrier": "GLS"}, expect=409)["error"]
    assert error["code"] == "order_not_open" and "shipped" in error["message"]
    admin.post("/v1/orders/messages", carrier_message(order, "GLS"), expect=200)
    assert admin.get(f"/v1/orders/{order['id']}")["carrier"] == "DHL"


def test_a_merged_shipment_on_the_floor_is_packed_once_its_orders_agree(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    stock_floor(admin)
    a = admin.post("/v1/orders", order_body(("TEA", 1), customer="C1"))
    b = admin.post("/v1/orders", order_body(("MILK", 1), customer="C1"))
    admin.post("/v1/waves", {"warehouse": "WH1", "cart": {}})
    picker = Api(client, make_token(backend, "picker", "WH1"))
    shipment_id = deliver_next(picker)
    shipment = picker.get(f"/v1/shipments/{shipment_id}")
    assert shipment["orders"] == [a["id"], b["id"]]
    admin.post("/v1/orders/messages", carrier_message(a, "DHL"), expect=200)
    assert picker.get(f"/v1/shipments/{shipment_id}")["carrier"] == "UPS"  # B still asks for UPS
    before = snapshot(backend.engine)
    r = client.post(f"/v1/shipments/{shipment_id}/pack", json=pack_body(shipment), headers=picker.headers)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "carrier_mixed" and "/v1/orders/{id}/carrier" in error["message"]
    assert error["details"] == [{"order_id": a["id"], "carrier": "DHL"}, {"order_id": b["id"], "carrier": "UPS"}]
    assert snapshot(backend.engine) == before
    admin.post(f"/v1/orders/{b['id']}/carrier", {"carrier": "DHL"}, expect=200)
    assert picker.get(f"/v1/shipments/{shipment_id}")["carrier"] == "DHL"
    packed = picker.post(f"/v1/shipments/{shipment_id}/pack", pack_body(shipment))
    assert packed["carrier"] == "DHL" and packed["parcels"][0]["carrier"] == "DHL"


def test_the_newest_carrier_change_wins_and_waits_for_its_order(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    stock_floor(admin)
    t0 = datetime.now(UTC)
    early = {"channel": "shop", "external_id": "LATE-ORDER"}
    assert admin.post("/v1/orders/messages", carrier_message(early, "DHL", t0), expect=200) == {
        "result": "pending",
        "order": None,
    }
    order = admin.post("/v1/orders", order_body(("TEA", 1), external_id="LATE-ORDER"))
    assert order["carrier"] == "DHL" and order["status"] == "allocated"
    admin.post("/v1/orders/messages", carrier_message(order, "UPS", t0 - timedelta(minutes=1)), expect=200)
    assert admin.get(f"/v1/orders/{order['id']}")["carrier"] == "DHL"  # older than the one applied
    admin.post(f"/v1/orders/{order['id']}/carrier", {"carrier": "GLS"}, expect=200)  # a planner, now
    admin.post("/v1/orders/messages", carrier_message(order, "UPS", t0 + timedelta(milliseconds=1)), expect=200)
    assert admin.get(f"/v1/orders/{order['id']}")["carrier"] == "GLS"  # the ERP's change was before the planner's
    admin.post("/v1/orders", order_body(("TEA", 1), external_id="LATE-ORDER"), expect=200)  # re-push with UPS
    assert admin.get(f"/v1/orders/{order['id']}")["carrier"] == "GLS"
    admin.post(
        "/v1/orders/messages", carrier_message(order, "auto", datetime.now(UTC) + timedelta(minutes=5)), expect=200
    )
    assert admin.get(f"/v1/orders/{order['id']}")["carrier"] == "auto"
    assert_reservations_consistent(backend.engine)


def test_bad_carrier_changes_are_refused_and_change_nothing(admin: Api, backend: Backend, client: TestClient) -> None:
    stock_floor(admin)
    order = admin.post("/v1/orders", order_body(("TEA", 1)))
    before = (snapshot(backend.engine), admin.get(f"/v1/orders/{order['id']}"))
    for body in (
        {},
        {"carrier": ""},
        {"carrier": "   "},
        {"carrier": "x" * 51},
        {"carrier": 7},
        {"carrier": "DHL", "note": "x"},
    ):
        admin.post(f"/v1/orders/{order['id']}/carrier", body, expect=422)
    message = carrier_message(order, "DHL")
    without = {k: v for k, v in message.items() if k != "carrier"}
    for bad in (
        without,
        {**message, "carrier": None},
        {**message, "carrier": ""},
        {**message, "type": "payment"},
    ):  # a carrier belongs to carrier messages only
        admin.post("/v1/orders/messages", bad, expect=422)
    assert admin.post("/v1/orders/99999/carrier", {"carrier": "DHL"}, expect=404)["error"]["code"] == "order_not_found"
    for role in ("picker", "erp"):
        Api(client, make_token(backend, role)).post(f"/v1/orders/{order['id']}/carrier", {"carrier": "DHL"}, expect=403)
    assert (snapshot(backend.engine), admin.get(f"/v1/orders/{order['id']}")) == before
    admin.post(f"/v1/orders/{order['id']}/cancel", expect=200)
    error = admin.post(f"/v1/orders/{order['id']}/carrier", {"carrier": "DHL"}, expect=409)["error"]
    assert error["code"] == "order_not_open" and error["details"] == {"status": "cancelled"}


def test_auto_orders_no_rule_fits_get_the_default_carrier_or_a_409_that_says_what_to_do(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    rules = [CarrierRule(carrier="LIGHTPOST", country="US", max_weight_kg=2)]
    f = floor(admin, backend, client, [[("TEA", 1)], [("TEA", 2)]], cart={"max_orders": 1}, carrier="auto")
    no_default = backend.settings.model_copy(update={"carrier_rules": rules})
    with TestClient(create_app(no_default, backend.engine)) as plain:
        picker = Api(plain, f.picker.headers["Authorization"][7:])
        shipment_id = deliver_next(picker)
        body = pack_body(picker.get(f"/v1/shipments/{shipment_id}"), kg=2.5)
        error = picker.post(f"/v1/shipments/{shipment_id}/pack", body, expect=409)["error"]
        assert error["code"] == "no_carrier"
        for fix in ("WMS_CARRIER_RULES", "WMS_DEFAULT_CARRIER", "/v1/orders/{id}/carrier"):
            assert fix in error["message"]
        [order_id] = picker.get(f"/v1/shipments/{shipment_id}")["orders"]
        Api(plain, f.admin.headers["Authorization"][7:]).post(
            f"/v1/orders/{order_id}/carrier", {"carrier": "UPS"}, expect=200
        )
        assert picker.post(f"/v1/shipments/{shipment_id}/pack", body)["carrier"] == "UPS"
    with_default = no_default.model_copy(update={"default_carrier": "GLS"})
    with TestClient(create_app(with_default, backend.engine)) as client_gls:
        picker = Api(client_gls, f.picker.headers["Authorization"][7:])
        shipment_id = deliver_next(picker)
        shipment = picker.get(f"/v1/shipments/{shipment_id}")
        assert picker.post(f"/v1/shipments/{shipment_id}/pack", pack_body(shipment, kg=2.5))["carrier"] == "GLS"


def test_a_carrier_message_for_a_cancelled_order_is_noted_but_not_announced(admin: Api, backend: Backend) -> None:
    stock_floor(admin)
    order = admin.post("/v1/orders", order_body(("TEA", 1)))
    admin.post(f"/v1/orders/{order['id']}/cancel", expect=200)
    events = admin.all("/v1/events")
    answer = admin.post("/v1/orders/messages", carrier_message(order, "DHL"), expect=200)
    assert answer["order"]["carrier"] == "DHL" and answer["order"]["status"] == "cancelled"  # as if it came first
    assert admin.all("/v1/events") == events  # no order.carrier_changed for a cancelled order


def test_an_order_partly_shipped_changes_carrier_and_address_for_the_part_still_waiting(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    world(admin)
    order = admin.post("/v1/orders", order_body(("TEA", 35)))  # 10 from WH1, 25 from WH2
    by_warehouse = {s["warehouse"]: s for s in order["shipments"]}
    assert set(by_warehouse) == {"WH1", "WH2"}
    admin.post("/v1/waves", {"warehouse": "WH1", "cart": {}})
    picker = Api(client, make_token(backend, "picker", "WH1"))
    shipment_id = deliver_next(picker)
    picker.post(f"/v1/shipments/{shipment_id}/pack", pack_body(picker.get(f"/v1/shipments/{shipment_id}")))
    admin.post(f"/v1/shipments/{shipment_id}/ship", expect=200)

    admin.post("/v1/orders/messages", carrier_message(order, "DHL"), expect=200)
    address = {**order["ship_to"], "line1": "9 Elm St"}
    admin.post(
        "/v1/orders/messages",
        {
            "channel": order["channel"],
            "external_id": order["external_id"],
            "type": "address",
            "at": datetime.now(UTC).isoformat(),
            "ship_to": address,
        },
        expect=200,
    )
    now = admin.get(f"/v1/orders/{order['id']}")
    assert now["carrier"] == "DHL" and now["ship_to"]["line1"] == "9 Elm St"
    live = {s["warehouse"]: s for s in now["shipments"] if s["status"] != "cancelled"}
    assert live["WH1"]["id"] == shipment_id and live["WH1"]["status"] == "shipped"  # what left stays as it left
    assert live["WH2"]["status"] == "allocated" and live["WH2"]["id"] != by_warehouse["WH2"]["id"]
    assert sum(a["quantity"] for s in live.values() for ln in s["lines"] for a in ln["allocations"]) == 35
    assert_reservations_consistent(backend.engine)
    assert_stock_invariants(backend.engine)
