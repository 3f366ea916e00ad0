"""A day on the floor through the HTTP API with ERP, planner and picker tokens.

Orders come in (some unpaid, one more than the stock), get paid, a wave is
planned, pickers work it (one short pick, one order cancelled mid-pick), the
carts go to packing, parcels are packed, labelled and shipped. At the end the
stock agrees with the ledger everywhere, every order is shipped, cancelled or
flagged for a planner, and nothing was picked twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.orders_helpers import order_body
from tests.api.picking_helpers import stock_floor
from tests.conftest import Api, Backend, make_token
from tests.invariants import assert_reservations_consistent, assert_stock_invariants


def test_a_day_on_the_floor(admin: Api, backend: Backend, client: TestClient) -> None:
    stock_floor(admin)
    erp, planner = (Api(client, make_token(backend, role)) for role in ("erp", "planner"))
    pickers = [Api(client, make_token(backend, "picker", "WH1")) for _ in range(2)]
    orders = [
        erp.post(
            "/v1/orders",
            order_body(("TEA", 1 + k % 3), *([("MILK", 1)] if k % 2 else []), customer=f"C{k}", paid=k % 4 != 3),
        )
        for k in range(12)
    ]
    orders.append(erp.post("/v1/orders", order_body(("MILK", 25), customer="big")))  # more than usable stock
    for o in orders:
        if not o["paid"]:
            erp.post(
                "/v1/orders/messages",
                {
                    "channel": o["channel"],
                    "external_id": o["external_id"],
                    "type": "payment",
                    "at": datetime.now(UTC).isoformat(),
                },
                expect=200,
            )
    allocated = {o["id"] for o in orders if erp.get(f"/v1/orders/{o['id']}")["status"] == "allocated"}
    wave = planner.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 8}})
    assert set(wave["orders"]) == allocated and len(allocated) >= 8

    cancelled, shorted = wave["orders"][0], False
    turn = 0
    while True:
        picker = pickers[turn % 2]
        turn += 1
        pl = picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=None)
        if not pl:
            break
        if cancelled in pl["orders"]:
            erp.post(f"/v1/orders/{cancelled}/cancel", {"reason": "changed mind"}, expect=200)
            pl = picker.get(f"/v1/pick-lists/{pl['id']}")
        while (stop := pl["next_stop"]) is not None:
            body = {
                "location": stop["location"],
                "sku": stop["sku"],
                "lot": stop["lot"],
                "stop_id": stop["id"],
                "quantity": stop["quantity"],
            }
            if not shorted and stop["quantity"] >= 2:
                body |= {"quantity": stop["quantity"] - 1, "reason": "not_found"}
                shorted = True
            pl = picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", body, key=f"scan-{stop['id']}")
        picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
    assert shorted

    packer = pickers[0]
    shipped = 0
    for order_id in wave["orders"]:
        for sh in erp.get(f"/v1/orders/{order_id}")["shipments"]:
            if sh["status"] != "picked":
                continue
            shipment = packer.get(f"/v1/shipments/{sh['id']}")
            packer.post(
                f"/v1/shipments/{sh['id']}/pack",
                {
                    "items": [{"sku": i["sku"], "lot": i["lot"], "quantity": i["quantity"]} for i in shipment["items"]],
                    "parcels": [{"weight_kg": 0.5 * sum(i["quantity"] for i in shipment["items"])}],
                },
            )
            packer.post(f"/v1/shipments/{sh['id']}/ship", expect=200)
            shipped += 1
    assert shipped >= 6

    flagged = {p["order_id"] for p in planner.all("/v1/order-problems")}
    statuses = {o["id"]: erp.get(f"/v1/orders/{o['id']}")["status"] for o in orders}
    assert statuses[cancelled] == "cancelled"
    assert orders[-1]["id"] in flagged
    for order_id, status in statuses.items():
        assert status in ("shipped", "cancelled") or order_id in flagged, (order_id, status)
    shipped_events = {
        e["payload"]["order_id"]
        for e in erp.all("/v1/events")
        if e["type"] == "order.status_changed" and e["payload"]["to"] == "shipped"
    }
    assert shipped_events == {i for i, s in statuses.items() if s == "shipped"}

    with backend.engine.connect() as conn:
        per_list = conn.execute(
            text(
                "SELECT pick_list_id, sum(picked_quantity) FROM pick_list_stops "
                "WHERE picked_quantity > 0 GROUP BY pick_list_id"
            )
        ).all()
        moved = dict(
            conn.execute(
                text(
                    "SELECT reference, sum(delta) FROM stock_movements "
                    "WHERE reason = 'pick' AND delta > 0 GROUP BY reference"
                )
            ).all()
        )
        left_on_carts = conn.execute(
            text(
                "SELECT count(*) FROM stock s JOIN locations l ON l.id = s.location_id "
                "WHERE l.kind = 'cart' AND s.on_hand > 0"
            )
        ).scalar()
    assert {f"PICKLIST-{k}": v for k, v in per_list} == moved
    assert left_on_carts == 0
    totals: dict[str, int] = defaultdict(int)
    for m in admin.all("/v1/stock/movements", warehouse="WH1"):
        totals[m["reason"]] += m["delta"]
    assert totals["shipped"] < 0 and totals["pick"] == 0 and totals["cart_drop"] == 0 and totals["packed"] == 0
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)
