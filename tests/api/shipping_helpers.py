"""A packing station with several picked shipments (one order each), and what packing and shipping wrote."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.picking_helpers import Floor, floor, pick_all
from tests.conftest import Api, Backend


def picked_shipments(
    admin: Api, backend: Backend, client: TestClient, orders: list[list[tuple[str, int]]]
) -> tuple[Floor, list[dict]]:
    """Every order picked and its cart delivered to PACKING; the floor and the shipments, oldest first."""
    f = floor(admin, backend, client, orders, cart={"max_units": 50, "max_orders": 20})
    while True:
        r = client.post("/v1/pick-lists/claim", json={"warehouse": "WH1"}, headers=f.picker.headers)
        if r.status_code != 200:
            break
        pl = pick_all(f.picker, r.json())
        f.picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
    waiting = f.picker.all("/v1/shipments", warehouse="WH1", status="picked")
    return f, [f.picker.get(f"/v1/shipments/{w['id']}") for w in waiting]


def scanned(shipment: dict) -> list[dict]:
    return [{"sku": i["sku"], "lot": i["lot"], "quantity": i["quantity"]} for i in shipment["items"]]


def pack_body(shipment: dict, *weights: float) -> dict:
    return {"items": scanned(shipment), "parcels": [{"weight_kg": w} for w in weights or (1.0,)]}


def written(backend: Backend, shipment_id: int) -> dict[str, list[tuple]]:
    """What packing and shipping wrote for the shipment, without ids and times: its ledger operations and
    rows, its history, its parcels, its orders' history from ``allocated`` on, and where its allocations
    point (location code, lot)."""
    queries = {
        "operations": "SELECT kind, reference, actor FROM stock_operations WHERE reference = :ref ORDER BY id",
        "ledger": """SELECT m.reference, l.code, lo.code, m.delta, m.reason, m.actor, m.operation_id = o.id
                     FROM stock_movements m JOIN locations l ON l.id = m.location_id JOIN lots lo ON lo.id = m.lot_id
                     JOIN stock_operations o ON o.id = m.operation_id
                     WHERE m.reference = :ref ORDER BY m.id""",
        "history": """SELECT from_status, to_status, cause, actor FROM shipment_transitions
                      WHERE shipment_id = :id ORDER BY id""",
        "parcels": """SELECT seq, carrier, weight_kg, length_cm, packed_by, tracking_number IS NOT NULL
                      FROM parcels WHERE shipment_id = :id ORDER BY seq""",
        "orders": """SELECT t.from_status, t.to_status, t.cause, t.actor FROM order_transitions t
                     WHERE t.order_id IN (SELECT order_id FROM shipment_lines WHERE shipment_id = :id)
                     AND t.to_status = 'shipped' ORDER BY t.id""",
        "allocations": """SELECT l.code, lo.code, a.quantity FROM allocations a
                          JOIN shipment_lines sl ON sl.id = a.shipment_line_id JOIN stock s ON s.id = a.stock_id
                          JOIN locations l ON l.id = s.location_id JOIN lots lo ON lo.id = s.lot_id
                          WHERE sl.shipment_id = :id ORDER BY a.id""",
        "shipment": "SELECT status, carrier, packed_at IS NOT NULL, shipped_at IS NOT NULL FROM shipments WHERE id = :id",
    }
    params = {"id": shipment_id, "ref": f"SHIPMENT-{shipment_id}"}
    with backend.engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(text(sql), params)] for name, sql in queries.items()}


def events_of(admin: Api, after: int, shipment_id: int) -> list[tuple[str, dict]]:
    """The outbox events after ``after`` about the shipment or its orders, in order (type, payload)."""
    shipment = admin.get(f"/v1/shipments/{shipment_id}")
    found = []
    for e in admin.get("/v1/events", after=after, limit=500)["items"]:
        p = e["payload"]
        if p.get("shipment_id") == shipment_id or p.get("order_id") in shipment["orders"]:
            found.append((e["type"], p))
    return found


def last_seq(admin: Api) -> int:
    items = admin.get("/v1/events", after=0, limit=500)["items"]
    return items[-1]["seq"] if items else 0
