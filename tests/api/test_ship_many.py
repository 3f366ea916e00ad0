"""``POST /v1/shipments/ship``: a truckload leaves the dock in one call. Each shipment all or nothing: one
that may not leave (unknown, not packed, of another warehouse, shipped already) is refused on its own and
changes nothing, the others leave, also when it fails only while they leave."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.shipping_helpers import events_of, last_seq, pack_body, picked_shipments, written
from tests.conftest import Api, Backend, make_token
from tests.invariants import assert_reservations_consistent, assert_stock_invariants, snapshot


def _truck(api: Api, ids: list[int], expect: int = 200, key: str | None = None, **body: object) -> dict:
    return api.post("/v1/shipments/ship", {"warehouse": "WH1", "shipment_ids": ids, **body}, expect, key=key)


def test_a_truck_refuses_what_may_not_leave_and_ships_the_rest(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    f, [a, b, c] = picked_shipments(admin, backend, client, [[("TEA", 1)], [("TEA", 2)], [("MILK", 1)]])
    for s in (a, c):
        f.picker.post(f"/v1/shipments/{s['id']}/pack", pack_body(s))
    b_before = written(backend, b["id"])
    answer = _truck(f.picker, [a["id"], b["id"], 999_999, c["id"], a["id"]], key="truck-1")
    results = [
        (r["shipment_id"], r["result"], r["status_code"], (r["error"] or {}).get("code")) for r in answer["results"]
    ]
    assert results == [
        (a["id"], "shipped", 200, None),
        (b["id"], "refused", 409, "shipment_not_packed"),
        (999_999, "refused", 404, "shipment_not_found"),
        (c["id"], "shipped", 200, None),
        (a["id"], "shipped", 200, None),  # asked twice, shipped once
    ]
    assert (answer["shipped"], answer["refused"]) == (3, 2)
    assert written(backend, b["id"]) == b_before  # the refused one: nothing changed
    assert f.picker.get(f"/v1/shipments/{b['id']}")["status"] == "picked"
    for s in (a, c):
        assert f.picker.get(f"/v1/shipments/{s['id']}")["status"] == "shipped"
        assert len(written(backend, s["id"])["operations"]) == 2  # packed, shipped: once
    # a retry with the key gets the first answer; without it, the shipped ones are refused
    done = snapshot(backend.engine)
    again = client.post(
        "/v1/shipments/ship",
        json={"warehouse": "WH1", "shipment_ids": [a["id"], b["id"], 999_999, c["id"], a["id"]]},
        headers={**f.picker.headers, "Idempotency-Key": "truck-1"},
    )
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true" and again.json() == answer
    codes = [r["error"]["code"] for r in _truck(f.picker, [a["id"], c["id"]])["results"]]
    assert codes == ["shipment_already_shipped"] * 2
    assert snapshot(backend.engine) == done
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_a_truck_keeps_to_its_warehouse(admin: Api, backend: Backend, client: TestClient) -> None:
    f, [a] = picked_shipments(admin, backend, client, [[("TEA", 1)]])
    f.picker.post(f"/v1/shipments/{a['id']}/pack", pack_body(a))
    before = snapshot(backend.engine)
    # a token limited to another warehouse may not name this one: the whole call is refused
    other = Api(client, make_token(backend, "picker", "WH2"))
    r = client.post("/v1/shipments/ship", json={"warehouse": "WH1", "shipment_ids": [a["id"]]}, headers=other.headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "warehouse_forbidden"
    # naming its own warehouse, it may not ship this warehouse's shipments
    [refused] = other.post("/v1/shipments/ship", {"warehouse": "WH2", "shipment_ids": [a["id"]]}, 200)["results"]
    assert (refused["status_code"], refused["error"]["code"]) == (403, "warehouse_forbidden")
    # nor may an admin, naming another warehouse than the shipment's
    [refused] = admin.post("/v1/shipments/ship", {"warehouse": "WH2", "shipment_ids": [a["id"]]}, 200)["results"]
    assert (refused["status_code"], refused["error"]["code"]) == (403, "warehouse_forbidden")
    assert snapshot(backend.engine) == before
    assert f.picker.get(f"/v1/shipments/{a['id']}")["status"] == "packed"


def test_a_truck_of_a_carrier_takes_what_waits_at_the_dock(admin: Api, backend: Backend, client: TestClient) -> None:
    f, [a, b, c] = picked_shipments(admin, backend, client, [[("TEA", 1)], [("TEA", 1)], [("MILK", 1)]])
    for s in (a, b):
        f.picker.post(f"/v1/shipments/{s['id']}/pack", pack_body(s))
    assert f.picker.post("/v1/shipments/ship", {"warehouse": "WH1", "carrier": "DHL"}, 200)["results"] == []
    answer = f.picker.post("/v1/shipments/ship", {"warehouse": "WH1", "carrier": "UPS"}, 200)
    assert [(r["shipment_id"], r["result"]) for r in answer["results"]] == [(a["id"], "shipped"), (b["id"], "shipped")]
    assert f.picker.get(f"/v1/shipments/{c['id']}")["status"] == "picked"  # not packed: not at the dock
    admin.post("/v1/shipments/ship", {"warehouse": "NOPE", "carrier": "UPS"}, 404)
    for bad in (
        {"warehouse": "WH1"},
        {"warehouse": "WH1", "carrier": "UPS", "shipment_ids": [a["id"]]},
        {"warehouse": "WH1", "shipment_ids": []},
        {"warehouse": "WH1", "shipment_ids": [0]},
        {"warehouse": "WH1", "shipment_ids": list(range(1, 502))},
        {"shipment_ids": [a["id"]]},
    ):
        r = client.post("/v1/shipments/ship", json=bad, headers=f.picker.headers)
        assert r.status_code == 422, (bad, r.text)
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_a_shipment_that_fails_while_leaving_is_refused_alone(admin: Api, backend: Backend, client: TestClient) -> None:
    f, [a, b, c] = picked_shipments(admin, backend, client, [[("TEA", 1)], [("MILK", 1)], [("TEA", 2)]])
    for s in (a, b, c):
        f.picker.post(f"/v1/shipments/{s['id']}/pack", pack_body(s))
    # b's reservation at the dock is gone (as if something had broken the books): its units cannot leave,
    # which is found only while the truck leaves (the stock rows' guard)
    with backend.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE stock SET reserved = 0 WHERE id IN (SELECT a.stock_id FROM allocations a "
                "JOIN shipment_lines sl ON sl.id = a.shipment_line_id WHERE sl.shipment_id = :id)"
            ),
            {"id": b["id"]},
        )
    b_before = written(backend, b["id"])
    seq = last_seq(admin)
    answer = _truck(f.picker, [a["id"], b["id"], c["id"]])
    results = [
        (r["shipment_id"], r["result"], r["status_code"], (r["error"] or {}).get("code")) for r in answer["results"]
    ]
    assert results == [
        (a["id"], "shipped", 200, None),
        (b["id"], "refused", 409, "reservation_conflict"),
        (c["id"], "shipped", 200, None),
    ]
    assert written(backend, b["id"]) == b_before  # b: nothing changed, nothing told
    assert f.picker.get(f"/v1/shipments/{b['id']}")["status"] == "packed"
    assert events_of(admin, seq, b["id"]) == []
    shipped = [e for e in admin.get("/v1/events", after=seq, limit=500)["items"] if e["type"] == "shipment.shipped"]
    assert [e["payload"]["shipment_id"] for e in shipped] == [a["id"], c["id"]]  # each told once
    for s in (a, c):
        assert len(written(backend, s["id"])["operations"]) == 2
