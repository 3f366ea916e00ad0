"""Pick faces refilled from reserve stock when picks take them below their minimum."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.picking_helpers import TEA_MAIN, TEA_SPARE, floor, pick_all, stock_at
from tests.conftest import Api, Backend, make_token
from tests.invariants import assert_reservations_consistent, assert_stock_invariants, snapshot


def test_a_pick_below_the_minimum_makes_a_task_that_refills_the_face(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    f = floor(admin, backend, client, [[("TEA", 3)]])
    admin.post(
        "/v1/pick-faces",
        {"warehouse": "WH1", "location": TEA_MAIN, "sku": "TEA", "min_quantity": 18, "max_quantity": 20},
    )
    assert f.picker.post("/v1/replenishments/claim", {"warehouse": "WH1"}, expect=204) == {}  # 20 on the face
    pick_all(f.picker, f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200))
    task = f.picker.post("/v1/replenishments/claim", {"warehouse": "WH1"}, expect=200)
    assert (task["to_location"], task["sku"], task["quantity"], task["status"]) == (TEA_MAIN, "TEA", 3, "claimed")
    assert [(s["location"], s["lot"], s["available"]) for s in task["sources"]] == [(TEA_SPARE, "T-SPARE", 5)]
    other = Api(client, make_token(backend, "picker", "WH1"))
    assert other.post("/v1/replenishments/claim", {"warehouse": "WH1"}, expect=204) == {}  # one task, taken
    before = snapshot(backend.engine)
    move = {"from_location": TEA_SPARE, "lot": "T-SPARE", "quantity": 3}
    other.post(f"/v1/replenishments/{task['id']}/confirm", move, expect=403)
    f.picker.post(f"/v1/replenishments/{task['id']}/confirm", {**move, "quantity": 4}, expect=409)
    f.picker.post(f"/v1/replenishments/{task['id']}/confirm", {**move, "from_location": TEA_MAIN}, expect=422)
    f.picker.post(f"/v1/replenishments/{task['id']}/confirm", {**move, "lot": "M-40"}, expect=404)
    assert snapshot(backend.engine) == before
    done = f.picker.post(f"/v1/replenishments/{task['id']}/confirm", move, expect=200)
    assert (done["status"], done["moved"], done["sources"]) == ("done", 3, [])
    assert stock_at(admin, TEA_MAIN) == {("TEA", "T-MAIN"): (17, 0), ("TEA", "T-SPARE"): (3, 0)}
    assert stock_at(admin, TEA_SPARE) == {("TEA", "T-SPARE"): (2, 0)}
    f.picker.post(f"/v1/replenishments/{task['id']}/confirm", move, expect=409)
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_pick_face_rules(admin: Api, backend: Backend, client: TestClient) -> None:
    f = floor(admin, backend, client, [[("TEA", 1)]])
    body = {"warehouse": "WH1", "location": TEA_SPARE, "sku": "TEA", "min_quantity": 8, "max_quantity": 10}
    for bad in (
        {**body, "max_quantity": 8},
        {**body, "min_quantity": -1},
        {**body, "location": "PACKING"},
        {**body, "extra": 1},
    ):
        r = client.post("/v1/pick-faces", json=bad, headers=admin.headers)
        assert r.status_code == 422, r.text
    f.picker.post("/v1/pick-faces", body, expect=403)
    admin.post("/v1/pick-faces", body)  # 5 on hand, below 8 at once
    task = f.picker.post("/v1/replenishments/claim", {"warehouse": "WH1"}, expect=200)
    assert (task["to_location"], task["quantity"]) == (TEA_SPARE, 5)
    admin.post("/v1/pick-faces", {**body, "min_quantity": 2})  # changing the face does not make a second task
    assert f.picker.get(f"/v1/replenishments/{task['id']}")["status"] == "claimed"
