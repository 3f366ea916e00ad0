"""Packing and shipping through the HTTP API: scan check, parcels, labels that decode, stock out of the ledger."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp
from fastapi.testclient import TestClient

from tests.api.picking_helpers import floor, pick_all
from tests.conftest import Api, Backend, make_token
from tests.invariants import assert_reservations_consistent, assert_stock_invariants, snapshot
from wms.api.app import create_app
from wms.config import CarrierRule
from wms.shipping.carriers import is_valid_tracking_number


def picked_shipment(admin: Api, backend: Backend, client: TestClient, lines: list[tuple[str, int]]) -> tuple[Api, dict]:
    """One order picked and its cart delivered to PACKING; returns the picker and the shipment."""
    f = floor(admin, backend, client, [lines])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    pick_all(f.picker, pl)
    f.picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
    [shipment] = admin.get(f"/v1/orders/{f.wave['orders'][0]}")["shipments"]
    return f.picker, f.picker.get(f"/v1/shipments/{shipment['id']}")


def scanned(shipment: dict) -> list[dict]:
    return [{"sku": i["sku"], "lot": i["lot"], "quantity": i["quantity"]} for i in shipment["items"]]


def decode_pdf_barcodes(pdf: bytes) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        assert len(doc) == 1
        page = doc[0]
        width, height = page.get_size()
        assert (round(width), round(height)) == (288, 432)  # 4 × 6 in
        image = page.render(scale=4).to_pil()
        page.close()
    finally:
        doc.close()
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_pack_label_and_ship(admin: Api, backend: Backend, client: TestClient) -> None:
    packer, shipment = picked_shipment(admin, backend, client, [("TEA", 3), ("MILK", 2)])
    assert shipment["status"] == "picked" and {i["location"] for i in shipment["items"]} == {"PACKING"}
    waiting = packer.all("/v1/shipments", warehouse="WH1", status="picked")
    assert [(w["id"], w["orders"], w["units"]) for w in waiting] == [(shipment["id"], 1, 5)]
    assert packer.all("/v1/shipments", warehouse="WH1", status="packed") == []
    after_seq = admin.get("/v1/events", after=0, limit=500)["items"][-1]["seq"]
    packed = packer.post(
        f"/v1/shipments/{shipment['id']}/pack",
        {
            "items": list(reversed(scanned(shipment))),
            "parcels": [{"weight_kg": 1.2}, {"weight_kg": 0.4, "length_cm": 30}],
        },
    )
    assert packed["status"] == "packed" and {i["location"] for i in packed["items"]} == {"SHIPPING"}
    assert [p["seq"] for p in packed["parcels"]] == [1, 2]
    numbers = [p["tracking_number"] for p in packed["parcels"]]
    assert len(set(numbers)) == 2 and all(is_valid_tracking_number(n) for n in numbers)
    for parcel in packed["parcels"]:
        r = client.get(parcel["label_pdf_url"], headers=packer.headers)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert decode_pdf_barcodes(r.content) == [parcel["tracking_number"]]
        z = client.get(parcel["label_zpl_url"], headers=packer.headers)
        assert z.status_code == 200 and z.text.startswith("^XA") and z.text.endswith("^XZ")
        assert f"^BCN,200,Y,N,N,N^FD{parcel['tracking_number']}^FS" in z.text
    assert_reservations_consistent(backend.engine)

    shipped = packer.post(f"/v1/shipments/{shipment['id']}/ship", expect=200)
    assert shipped["status"] == "shipped" and shipped["shipped_at"]
    order = admin.get(f"/v1/orders/{shipment['orders'][0]}")
    assert order["status"] == "shipped"
    assert [r for r in admin.all("/v1/stock", warehouse="WH1", location="SHIPPING") if r["on_hand"]] == []
    moves = admin.all("/v1/stock/movements", warehouse="WH1", lot="T-MAIN")
    assert [(m["location"], m["delta"], m["reason"]) for m in moves if m["reason"] in ("packed", "shipped")] == [
        ("PACKING", -3, "packed"),
        ("SHIPPING", 3, "packed"),
        ("SHIPPING", -3, "shipped"),
    ]
    events = admin.get("/v1/events", after=after_seq, limit=500)["items"]
    [event] = [e for e in events if e["type"] == "shipment.shipped"]
    assert event["payload"]["tracking_numbers"] == numbers
    assert event["payload"]["orders"][0]["id"] == order["id"]
    assert any(e["type"] == "order.status_changed" and e["payload"]["to"] == "shipped" for e in events)
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)
    packer.post(f"/v1/shipments/{shipment['id']}/ship", expect=409)
    packer.post(
        f"/v1/shipments/{shipment['id']}/pack", {"items": scanned(shipment), "parcels": [{"weight_kg": 1}]}, expect=409
    )


@pytest.mark.parametrize(
    ("items", "code"),
    [
        (lambda got: got[:-1], "pack_mismatch"),  # one missing
        (lambda got: got + [{"sku": "TEA", "lot": "T-SPARE", "quantity": 1}], "pack_mismatch"),  # one extra
        (lambda got: [{**got[0], "quantity": got[0]["quantity"] + 1}] + got[1:], "pack_mismatch"),
        (lambda got: [{**got[0], "lot": "T-SPARE"}] + got[1:], "pack_mismatch"),  # another lot
    ],
)
def test_a_pack_that_does_not_match_is_refused(admin: Api, backend: Backend, client: TestClient, items, code) -> None:  # type: ignore[no-untyped-def]
    packer, shipment = picked_shipment(admin, backend, client, [("TEA", 3), ("MILK", 2)])
    before = snapshot(backend.engine)
    r = client.post(
        f"/v1/shipments/{shipment['id']}/pack",
        json={"items": items(scanned(shipment)), "parcels": [{"weight_kg": 1}]},
        headers=packer.headers,
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == code, r.text
    assert r.json()["error"]["details"]["missing"] or r.json()["error"]["details"]["unexpected"]
    assert snapshot(backend.engine) == before
    assert packer.get(f"/v1/shipments/{shipment['id']}")["status"] == "picked"


def test_bad_packing_requests(admin: Api, backend: Backend, client: TestClient) -> None:
    f = floor(admin, backend, client, [[("TEA", 2)]])
    [shipment] = admin.get(f"/v1/orders/{f.wave['orders'][0]}")["shipments"]
    body = {"items": [{"sku": "TEA", "lot": "T-MAIN", "quantity": 2}], "parcels": [{"weight_kg": 1}]}
    before = snapshot(backend.engine)
    r = client.post(f"/v1/shipments/{shipment['id']}/pack", json=body, headers=f.picker.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "shipment_not_picked"
    r = client.post(f"/v1/shipments/{shipment['id']}/ship", headers=f.picker.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "shipment_not_packed"
    for bad in (
        {**body, "parcels": [{"weight_kg": 0}]},
        {**body, "parcels": []},
        {**body, "items": []},
        {**body, "items": [{"sku": "TEA", "lot": "T-MAIN", "quantity": -2}]},
        {**body, "box": 1},
    ):
        r = client.post(f"/v1/shipments/{shipment['id']}/pack", json=bad, headers=f.picker.headers)
        assert r.status_code == 422, r.text
    assert snapshot(backend.engine) == before
    f.picker.post("/v1/shipments/99999/pack", body, expect=404)
    f.picker.get("/v1/parcels/99999/label.pdf", expect=404)
    Api(client, make_token(backend, "picker", "WH2")).get(f"/v1/shipments/{shipment['id']}", expect=403)
    Api(client, make_token(backend, "erp")).post(f"/v1/shipments/{shipment['id']}/ship", expect=403)


def test_carrier_rules_choose_for_auto_orders(backend: Backend) -> None:
    rules = [CarrierRule(carrier="LIGHTPOST", country="US", max_weight_kg=2), CarrierRule(carrier="FREIGHT")]
    settings = backend.settings.model_copy(update={"carrier_rules": rules})
    with TestClient(create_app(settings, backend.engine)) as client:
        admin = Api(client, make_token(backend, "admin"))
        f = floor(admin, backend, client, [[("TEA", 1)], [("TEA", 2)]], cart={"max_orders": 1}, carrier="auto")
        for weight, expected in ((1.5, "LIGHTPOST"), (2.5, "FREIGHT")):
            pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
            pick_all(f.picker, pl)
            f.picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
            shipment = f.picker.get(f"/v1/shipments/{pl['stops'][0]['shipment_id']}")
            assert shipment["carrier"] == "auto"
            packed = f.picker.post(
                f"/v1/shipments/{shipment['id']}/pack", {"items": scanned(shipment), "parcels": [{"weight_kg": weight}]}
            )
            assert packed["carrier"] == expected and packed["parcels"][0]["carrier"] == expected
            assert packed["parcels"][0]["tracking_number"].startswith(expected[:2])
