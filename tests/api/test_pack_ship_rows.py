"""What packing and shipping write, row by row: the ledger operations and their rows, the history of the
shipment and its orders, the parcels, where the allocations point, the events. The expected rows are the
ones the general path wrote before packing and shipping were made lean (each statement read here was
checked against it); a truckload writes for each shipment exactly what shipping it alone writes."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.shipping_helpers import events_of, last_seq, pack_body, picked_shipments, written
from tests.conftest import Api, Backend
from tests.invariants import assert_reservations_consistent, assert_stock_invariants


def test_pack_and_ship_write_the_rows_they_always_wrote(admin: Api, backend: Backend, client: TestClient) -> None:
    f, [shipment] = picked_shipments(admin, backend, client, [[("TEA", 3), ("MILK", 2)]])
    sid, [order_id] = shipment["id"], shipment["orders"]
    seq = last_seq(admin)
    body = {**pack_body(shipment), "parcels": [{"weight_kg": 1.2}, {"weight_kg": 0.4, "length_cm": 30}]}
    packed = f.picker.post(f"/v1/shipments/{sid}/pack", body)
    actor = packed["history"][-1]["actor"]
    shipped = f.picker.post(f"/v1/shipments/{sid}/ship", expect=200)
    ref = f"SHIPMENT-{sid}"
    rows = written(backend, sid)
    assert [h[:2] for h in rows.pop("history")] == [
        (None, "allocated"),
        ("allocated", "released"),
        ("released", "picked"),
        ("picked", "packed"),
        ("packed", "shipped"),
    ]
    assert packed["history"][-1] == {**packed["history"][-1], "cause": "packed in 2 parcel(s)", "actor": actor}
    assert shipped["history"][-1] == {**shipped["history"][-1], "cause": "left the dock", "actor": actor}
    assert shipped["history"][:-1] == packed["history"]
    assert rows == {
        "operations": [("pack", ref, actor), ("shipment", ref, actor)],
        "ledger": [  # per operation by location (PACKING before SHIPPING) and lot (T-MAIN before M-40)
            (ref, "PACKING", "T-MAIN", -3, "packed", actor, True),
            (ref, "PACKING", "M-40", -2, "packed", actor, True),
            (ref, "SHIPPING", "T-MAIN", 3, "packed", actor, True),
            (ref, "SHIPPING", "M-40", 2, "packed", actor, True),
            (ref, "SHIPPING", "T-MAIN", -3, "shipped", actor, True),
            (ref, "SHIPPING", "M-40", -2, "shipped", actor, True),
        ],
        "parcels": [(1, "UPS", 1.2, None, actor, True), (2, "UPS", 0.4, 30.0, actor, True)],
        "orders": [("allocated", "shipped", f"shipment {sid} left the dock", actor)],
        "allocations": [("SHIPPING", "T-MAIN", 3), ("SHIPPING", "M-40", 2)],
        "shipment": [("shipped", "UPS", True, True)],
    }
    order = admin.get(f"/v1/orders/{order_id}")
    numbers = [p["tracking_number"] for p in packed["parcels"]]
    assert events_of(admin, seq, sid)[-3:] == [
        ("shipment.packed", {"shipment_id": sid, "carrier": "UPS", "parcels": 2}),
        (
            "order.status_changed",
            {
                "order_id": order_id,
                "external_id": order["external_id"],
                "channel": "shop",
                "from": "allocated",
                "to": "shipped",
                "cause": f"shipment {sid} left the dock",
                "at": order["history"][-1]["at"].replace("Z", "+00:00"),
            },
        ),
        (
            "shipment.shipped",
            {
                "shipment_id": sid,
                "carrier": "UPS",
                "shipped_at": shipped["shipped_at"].replace("Z", "+00:00"),
                "orders": [{"id": order_id, "external_id": order["external_id"], "channel": "shop"}],
                "tracking_numbers": numbers,
                "lines": [
                    {"sku": "MILK", "lot": "M-40", "quantity": 2},
                    {"sku": "TEA", "lot": "T-MAIN", "quantity": 3},
                ],
            },
        ),
    ]
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_a_truckload_writes_what_shipping_one_by_one_writes(admin: Api, backend: Backend, client: TestClient) -> None:
    orders = [[("TEA", 1), ("MILK", 1)], [("TEA", 2)], [("TEA", 1), ("MILK", 1)], [("TEA", 2)]]
    f, waiting = picked_shipments(admin, backend, client, orders)
    for s in waiting:
        f.picker.post(f"/v1/shipments/{s['id']}/pack", pack_body(s))
    alone, together = waiting[:2], waiting[2:]
    seq = last_seq(admin)
    for s in alone:
        f.picker.post(f"/v1/shipments/{s['id']}/ship", expect=200)
    truck = f.picker.post("/v1/shipments/ship", {"warehouse": "WH1", "shipment_ids": [s["id"] for s in together]}, 200)
    assert [(r["shipment_id"], r["result"], r["status_code"]) for r in truck["results"]] == [
        (s["id"], "shipped", 200) for s in together
    ]
    for one, other in zip(alone, together, strict=True):  # the same orders, the same rows and events
        assert _same(written(backend, one["id"]), one) == _same(written(backend, other["id"]), other)
        assert _same(events_of(admin, seq, one["id"]), one) == _same(events_of(admin, seq, other["id"]), other)
    for r, s in zip(truck["results"], together, strict=True):
        now = f.picker.get(f"/v1/shipments/{s['id']}")
        assert r["orders"] == now["orders"] and r["shipped_at"] == now["shipped_at"]
        assert r["tracking_numbers"] == [p["tracking_number"] for p in now["parcels"]]
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def _same(found: object, shipment: dict) -> str:
    """``found`` with what differs between two shipments of the same kind (ids, times, numbers) blanked."""
    said = repr(found)
    for n in (shipment["id"], *shipment["orders"]):
        said = re.sub(rf"(SHIPMENT-|shipment |order |'order_id': |'shipment_id': |'id': ){n}\b", r"\1#", said)
    said = re.sub(r"'(at|shipped_at)': '[^']*'", r"'\1': …", said)
    said = re.sub(r"'external_id': '[^']*'", "'external_id': …", said)
    said = re.sub(r"'[A-Z]{2}\d{11}'", "'TRACKING'", said)
    return said
