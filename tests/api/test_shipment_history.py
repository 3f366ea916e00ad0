"""A shipment's history through the HTTP API: every change of its status, with cause and actor, in order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.api.picking_helpers import floor, pick_all
from tests.api.test_waves_api import push_orders, stocked
from tests.conftest import Api, Backend, make_token
from tests.invariants import assert_reservations_consistent
from wms.api.app import create_app
from wms.picking import waves as waves_module


def steps(shipment: dict) -> list[tuple[str | None, str]]:
    return [(h["from_status"], h["to_status"]) for h in shipment["history"]]


def packed(f, shipment_id: int) -> dict:  # type: ignore[no-untyped-def]
    shipment = f.picker.get(f"/v1/shipments/{shipment_id}")
    items = [{"sku": i["sku"], "lot": i["lot"], "quantity": i["quantity"]} for i in shipment["items"]]
    return f.picker.post(f"/v1/shipments/{shipment_id}/pack", {"items": items, "parcels": [{"weight_kg": 1}]})


def test_a_shipment_from_allocation_to_the_dock(admin: Api, backend: Backend, client: TestClient) -> None:
    f = floor(admin, backend, client, [[("TEA", 2)]])
    pl = pick_all(f.picker, f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200))
    f.picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
    shipment_id = pl["stops"][0]["shipment_id"]
    assert steps(f.picker.get(f"/v1/shipments/{shipment_id}")) == [
        (None, "allocated"),
        ("allocated", "released"),
        ("released", "picked"),
    ]
    assert steps(packed(f, shipment_id))[-1] == ("picked", "packed")
    shipped = f.picker.post(f"/v1/shipments/{shipment_id}/ship", expect=200)
    history = shipped["history"]
    assert steps(shipped)[-2:] == [("picked", "packed"), ("packed", "shipped")]
    assert history[1]["cause"] == f"released into wave {f.wave['id']}"
    assert history[0]["actor"] == "system" and history[1]["actor"] != "system"
    assert history[2]["actor"] == history[3]["actor"] == history[4]["actor"] != history[1]["actor"]  # the picker
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)
    assert history[-1]["at"] == shipped["shipped_at"]
    assert_reservations_consistent(backend.engine)


def test_a_refund_after_packing_voids_the_parcels_then_cancels(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    f = floor(admin, backend, client, [[("TEA", 2)]])
    pl = pick_all(f.picker, f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200))
    f.picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
    shipment_id = pl["stops"][0]["shipment_id"]
    packed(f, shipment_id)
    order = admin.get(f"/v1/orders/{f.wave['orders'][0]}")
    refund = {"channel": order["channel"], "external_id": order["external_id"], "type": "refund"}
    admin.post("/v1/orders/messages", {**refund, "at": datetime.now(UTC).isoformat()}, expect=200)
    shipment = f.picker.get(f"/v1/shipments/{shipment_id}")
    assert steps(shipment)[-3:] == [("picked", "packed"), ("packed", "picked"), ("picked", "cancelled")]
    assert shipment["history"][-2]["cause"] == "parcels voided" and shipment["packed_at"] is None
    assert_reservations_consistent(backend.engine)


def test_a_failed_wave_gives_its_shipments_back_in_their_history(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = backend.settings.model_copy(update={"wave_sync_max_orders": 0, "wave_sweep_interval_s": 0})
    with TestClient(create_app(settings, backend.engine)) as client:
        api = Api(client, make_token(backend, "admin"))
        stocked(api)
        push_orders(api, 2)
        monkeypatch.setattr(client.app.state, "dispatcher", type("Dead", (), {"submit": lambda self, w: None})())
        wave_id = api.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 6}}, expect=202)["id"]
        monkeypatch.setattr(waves_module.wave_plans, "plan", lambda inputs: 1 / 0)
        for _ in range(waves_module.MAX_ATTEMPTS):
            with pytest.raises(ZeroDivisionError):
                waves_module.run_planning(backend.uow(), wave_id)
        for o in api.all("/v1/orders"):
            [sh] = api.get(f"/v1/orders/{o['id']}")["shipments"]
            shipment = api.get(f"/v1/shipments/{sh['id']}")
            assert shipment["status"] == "allocated" and shipment["wave_id"] is None
            assert steps(shipment) == [(None, "allocated"), ("allocated", "released"), ("released", "allocated")]
            released, back = shipment["history"][1:]
            assert back["cause"] == f"wave {wave_id} failed" and back["actor"] == released["actor"]
        assert_reservations_consistent(backend.engine)
