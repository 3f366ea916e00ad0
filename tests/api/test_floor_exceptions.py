"""Orders cancelled or refunded while on the floor, and returns after shipping."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.api.picking_helpers import floor, pick_all, scan, stock_at
from tests.conftest import Api, Backend
from tests.invariants import assert_reservations_consistent, assert_stock_invariants


def test_an_order_cancelled_mid_pick_leaves_the_cart_and_its_picks_go_back_to_stock(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    f = floor(admin, backend, client, [[("TEA", 3), ("MILK", 2)], [("TEA", 1)]])
    [pl_planned] = f.wave["pick_lists"]
    gone, kept = f.wave["orders"]
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    first = next(s for s in pl["stops"] if s["order_id"] == gone)
    pl = f.picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", scan(first))
    assert (
        admin.post(f"/v1/orders/{gone}/cancel", {"reason": "buyer changed mind"}, expect=200)["status"] == "cancelled"
    )
    pl = f.picker.get(f"/v1/pick-lists/{pl['id']}")
    statuses = {(s["order_id"], s["status"]) for s in pl["stops"]}
    assert (gone, "open") not in statuses and (gone, "cancelled") in statuses and (gone, "picked") in statuses
    assert pl["next_stop"]["order_id"] == kept
    assert stock_at(admin, pl["cart"]) == {(first["sku"], first["lot"]): (first["quantity"], 0)}
    done = pick_all(f.picker, pl)
    f.picker.post(f"/v1/pick-lists/{done['id']}/deliver", expect=200)
    assert stock_at(admin, pl["cart"]) == {}
    packing = stock_at(admin, "PACKING")
    assert packing[("TEA", "T-MAIN")] == (first["quantity"] + 1 if first["sku"] == "TEA" else 1, 1)
    [shipment] = admin.get(f"/v1/orders/{kept}")["shipments"]
    assert shipment["status"] == "picked"
    waiting = [
        (p["location"], p["sku"], p["lot"], p["quantity"]) for p in admin.all("/v1/stock/putaway", warehouse="WH1")
    ]
    assert waiting == [("PACKING", first["sku"], first["lot"], first["quantity"])]  # the cancelled order's pick
    [suggestion] = {p["suggested_location"] for p in admin.all("/v1/stock/putaway", warehouse="WH1")}
    assert suggestion == first["location"]
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_a_refund_after_packing_voids_the_parcels_and_releases_the_stock(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    f = floor(admin, backend, client, [[("TEA", 2)]])
    pl = pick_all(f.picker, f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200))
    f.picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
    shipment_id = pl["stops"][0]["shipment_id"]
    f.picker.post(
        f"/v1/shipments/{shipment_id}/pack",
        {"items": [{"sku": "TEA", "lot": "T-MAIN", "quantity": 2}], "parcels": [{"weight_kg": 1}]},
    )
    order = admin.get(f"/v1/orders/{f.wave['orders'][0]}")
    admin.post(
        "/v1/orders/messages",
        {
            "channel": order["channel"],
            "external_id": order["external_id"],
            "type": "refund",
            "at": datetime.now(UTC).isoformat(),
        },
        expect=200,
    )
    assert admin.get(f"/v1/orders/{order['id']}")["status"] == "refunded"
    shipment = f.picker.get(f"/v1/shipments/{shipment_id}")
    assert shipment["status"] == "cancelled" and shipment["parcels"] == [] and shipment["items"] == []
    assert stock_at(admin, "SHIPPING") == {("TEA", "T-MAIN"): (2, 0)}  # to put away
    f.picker.post(f"/v1/shipments/{shipment_id}/ship", expect=409)
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def shipped_order(admin: Api, backend: Backend, client: TestClient) -> tuple[Api, dict]:
    f = floor(admin, backend, client, [[("TEA", 3), ("MILK", 2)]])
    pl = pick_all(f.picker, f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200))
    f.picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
    shipment = f.picker.get(f"/v1/shipments/{pl['stops'][0]['shipment_id']}")
    f.picker.post(
        f"/v1/shipments/{shipment['id']}/pack",
        {
            "items": [{"sku": i["sku"], "lot": i["lot"], "quantity": i["quantity"]} for i in shipment["items"]],
            "parcels": [{"weight_kg": 2}],
        },
    )
    f.picker.post(f"/v1/shipments/{shipment['id']}/ship", expect=200)
    return f.picker, admin.get(f"/v1/orders/{f.wave['orders'][0]}")


def test_a_return_is_restocked_quarantined_or_written_off(admin: Api, backend: Backend, client: TestClient) -> None:
    dock, order = shipped_order(admin, backend, client)
    assert order["status"] == "shipped"
    shelf = stock_at(admin, "A01-B009-L1-L")
    first = dock.post(
        "/v1/returns",
        {
            "warehouse": "WH1",
            "order_id": order["id"],
            "reference": "RMA-1",
            "lines": [
                {"sku": "TEA", "lot": "T-MAIN", "quantity": 2, "disposition": "restock", "location": "A01-B009-L1-L"},
                {"sku": "MILK", "lot": "M-40", "quantity": 1, "disposition": "quarantine", "reason": "dented"},
            ],
        },
    )
    assert [(ln["sku"], ln["disposition"], ln["location"]) for ln in first["lines"]] == [
        ("TEA", "restock", "A01-B009-L1-L"),
        ("MILK", "quarantine", "QUARANTINE"),
    ]
    assert stock_at(admin, "A01-B009-L1-L") == {**shelf, ("TEA", "T-MAIN"): (2, 0)}
    assert stock_at(admin, "QUARANTINE") == {("MILK", "M-40"): (1, 0)}
    assert admin.get(f"/v1/orders/{order['id']}")["status"] == "refunding"
    # more than was shipped, a lot that was not shipped, or a non-storage location: refused, nothing changes
    for bad, status in (
        ({"sku": "TEA", "lot": "T-MAIN", "quantity": 2, "disposition": "quarantine"}, 409),
        ({"sku": "TEA", "lot": "T-SPARE", "quantity": 1, "disposition": "quarantine"}, 409),
        ({"sku": "TEA", "lot": "T-MAIN", "quantity": 1, "disposition": "restock", "location": "PACKING"}, 422),
        ({"sku": "TEA", "lot": "T-MAIN", "quantity": 1, "disposition": "write_off"}, 422),
        ({"sku": "TEA", "lot": "T-MAIN", "quantity": 0, "disposition": "quarantine"}, 422),
    ):
        dock.post(
            "/v1/returns",
            {"warehouse": "WH1", "order_id": order["id"], "reference": "RMA-X", "lines": [bad]},
            expect=status,
        )
    last = dock.post(
        "/v1/returns",
        {
            "warehouse": "WH1",
            "order_id": order["id"],
            "reference": "RMA-2",
            "lines": [
                {"sku": "TEA", "lot": "T-MAIN", "quantity": 1, "disposition": "write_off", "reason": "opened"},
                {"sku": "MILK", "lot": "M-40", "quantity": 1, "disposition": "restock", "location": "A01-B009-L1-L"},
            ],
        },
    )
    assert dock.get(f"/v1/returns/{last['id']}") == last
    assert admin.get(f"/v1/orders/{order['id']}")["status"] == "refunded"
    moves = [
        (m["location"], m["delta"], m["reason"])
        for m in admin.all("/v1/stock/movements", warehouse="WH1")
        if m["reference"] == "RMA-2"
    ]
    assert sorted(moves) == sorted(
        [("RECEIVING", 1, "return"), ("RECEIVING", -1, "return_write_off"), ("A01-B009-L1-L", 1, "return")]
    )
    assert_stock_invariants(backend.engine)
    dock.post(
        "/v1/returns",
        {
            "warehouse": "WH1",
            "order_id": order["id"],
            "reference": "RMA-3",
            "lines": [{"sku": "TEA", "lot": "T-MAIN", "quantity": 1, "disposition": "quarantine"}],
        },
        expect=409,
    )


def test_an_address_corrected_on_the_floor_goes_on_the_label(admin: Api, backend: Backend, client: TestClient) -> None:
    f = floor(admin, backend, client, [[("TEA", 2)]])
    pl = pick_all(f.picker, f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200))
    f.picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
    shipment_id = pl["stops"][0]["shipment_id"]
    pack = {"items": [{"sku": "TEA", "lot": "T-MAIN", "quantity": 2}], "parcels": [{"weight_kg": 1}]}
    f.picker.post(f"/v1/shipments/{shipment_id}/pack", pack)
    order = admin.get(f"/v1/orders/{f.wave['orders'][0]}")

    def correct(address: dict) -> None:
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

    correct({**order["ship_to"], "name": "Bo Chen", "postcode": "ZZ"})  # moved, and the new postcode is unclear
    after = admin.get(f"/v1/orders/{order['id']}")
    assert after["status"] == "allocated" and after["problems"] == ["unclear_address"]
    shipment = f.picker.get(f"/v1/shipments/{shipment_id}")
    assert shipment["status"] == "picked" and shipment["parcels"] == []  # the old label is void
    r = client.post(f"/v1/shipments/{shipment_id}/pack", json=pack, headers=f.picker.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "address_unclear"
    correct({**order["ship_to"], "name": "Bo Chen", "postcode": "54321"})
    assert admin.get(f"/v1/orders/{order['id']}")["problems"] == []
    packed = f.picker.post(f"/v1/shipments/{shipment_id}/pack", pack)
    label = client.get(packed["parcels"][0]["label_zpl_url"], headers=f.picker.headers).text
    assert "^FDBo Chen^FS" in label and "^FDAnn Lee^FS" not in label and "54321" in label
    f.picker.post(f"/v1/shipments/{shipment_id}/ship", expect=200)
    assert admin.get(f"/v1/orders/{order['id']}")["status"] == "shipped"
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)
