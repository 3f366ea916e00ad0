"""Handheld picking through the HTTP API: claims, scans, short picks, carts to packing."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient

from tests.api.orders_helpers import order_body, receive
from tests.api.picking_helpers import (
    MILK_SHELF,
    TEA_BARCODE,
    TEA_MAIN,
    TEA_SPARE,
    floor,
    pick_all,
    scan,
    stock_at,
    stock_floor,
)
from tests.conftest import SMALL_LAYOUT, Api, Backend, make_token
from tests.invariants import assert_reservations_consistent, assert_stock_invariants, snapshot
from tests.unit.routing_reference import distance, from_depot
from wms.inventory.layout import Layout

LAYOUT = Layout(**SMALL_LAYOUT)
JAM_SHELF = "A02-B018-L1-L"


def test_a_picker_picks_a_whole_list_and_delivers_the_cart(admin: Api, backend: Backend, client: TestClient) -> None:
    f = floor(admin, backend, client, [[("TEA", 3), ("MILK", 2)], [("TEA", 2)]])
    assert len(f.wave["pick_lists"]) == 1
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    assert pl["id"] == f.wave["pick_lists"][0]["id"] and pl["status"] == "claimed"
    assert [s["location"] for s in pl["stops"]] == [s["location"] for s in f.wave["pick_lists"][0]["stops"]]
    assert pl["next_stop"]["id"] == pl["stops"][0]["id"]
    assert pl["next_stop"]["then"] == pl["stops"][1]["location"]
    # asking again while holding it gives the same list back (a handheld that lost its session)
    assert f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)["id"] == pl["id"]

    done = pick_all(f.picker, pl)
    assert done["status"] == "picked" and {s["status"] for s in done["stops"]} == {"picked"}
    # with a full cart, the next claim is the same list, to deliver
    assert f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)["id"] == pl["id"]
    assert stock_at(admin, pl["cart"]) == {("TEA", "T-MAIN"): (5, 5), ("MILK", "M-40"): (2, 2)}
    assert stock_at(admin, TEA_MAIN) == {("TEA", "T-MAIN"): (15, 0)}

    delivered = f.picker.post(f"/v1/pick-lists/{pl['id']}/deliver", {"location": "PACKING"}, expect=200)
    assert delivered["status"] == "delivered"
    assert stock_at(admin, pl["cart"]) == {}
    assert stock_at(admin, "PACKING") == {("TEA", "T-MAIN"): (5, 5), ("MILK", "M-40"): (2, 2)}
    reasons = [m["reason"] for m in admin.all("/v1/stock/movements", warehouse="WH1", lot="M-40")]
    assert reasons == ["receipt", "pick", "pick", "cart_drop", "cart_drop"]
    for order_id in f.wave["orders"]:
        for shipment in admin.get(f"/v1/orders/{order_id}")["shipments"]:
            assert shipment["status"] == "picked"
            assert {a["location"] for ln in shipment["lines"] for a in ln["allocations"]} == {"PACKING"}
    assert f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=204) == {}
    # the cart is a location of its own, but not one of the layout's
    assert [c["code"] for c in admin.all("/v1/warehouses/WH1/locations", kind="cart")] == [pl["cart"]]
    layout_count = 3 * 20 * 2 + 4  # layout.md's locations (aisles x bays x sides, 1 level) + the 4 at the depot
    assert admin.get("/v1/warehouses/WH1")["location_count"] == layout_count
    assert len(admin.all("/v1/warehouses/WH1/locations")) == layout_count
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_two_pickers_never_hold_the_same_list(admin: Api, backend: Backend, client: TestClient) -> None:
    f = floor(admin, backend, client, [[("TEA", 1)], [("TEA", 1)], [("MILK", 1)]], cart={"max_orders": 1})
    pickers = [Api(client, make_token(backend, "picker", "WH1")) for _ in range(4)]
    claims = [p.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=None) for p in pickers]
    got = [c["id"] for c in claims if c]
    assert sorted(got) == sorted(pl["id"] for pl in f.wave["pick_lists"])
    assert claims[3] == {}  # three lists, the fourth picker finds none
    # the first picker cannot confirm on the second picker's list
    other = claims[1]
    r = client.post(
        f"/v1/pick-lists/{other['id']}/confirmations", json=scan(other["next_stop"]), headers=pickers[0].headers
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "pick_list_of_another_picker"
    planner = Api(client, make_token(backend, "planner"))
    listed = planner.all("/v1/pick-lists", warehouse="WH1", status="claimed")
    assert sorted((p["id"], p["open_stops"]) for p in listed) == sorted((c["id"], c["open_stops"]) for c in claims[:3])
    assert {p["claimed_by"] for p in listed} == {c["claimed_by"] for c in claims[:3]} and len(listed) == 3
    # a released list goes back to the queue and the next picker gets it
    pickers[1].post(f"/v1/pick-lists/{other['id']}/release", expect=200)
    assert pickers[3].post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)["id"] == other["id"]
    # a full cart whose picker went home is handed on by a planner, and the next picker delivers it
    full = pick_all(pickers[0], claims[0])
    assert full["status"] == "picked"
    released = planner.post(f"/v1/pick-lists/{full['id']}/release", expect=200)
    assert (released["status"], released["claimed_by"]) == ("picked", None)
    newcomer = Api(client, make_token(backend, "picker", "WH1"))
    taken = newcomer.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    assert (taken["id"], taken["status"], taken["next_stop"]) == (full["id"], "picked", None)
    assert newcomer.post(f"/v1/pick-lists/{full['id']}/deliver", expect=200)["status"] == "delivered"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"location": TEA_SPARE}, 409, "wrong_location"),
        ({"location": "NOWHERE"}, 409, "wrong_location"),
        ({"sku": "MILK"}, 409, "wrong_item"),
        ({"lot": "NO-SUCH-LOT"}, 409, "wrong_lot"),
        ({"quantity": 4}, 409, "over_pick"),
        ({"quantity": 1}, 422, "short_reason_required"),
        ({"quantity": 0}, 422, "validation_error"),
        ({"quantity": -1}, 422, "validation_error"),
        ({"quantity": "2"}, 422, "validation_error"),
        ({"reason": "lazy", "quantity": 1}, 422, "validation_error"),
        ({"colour": "red"}, 422, "validation_error"),
        ({"stop_id": 999999}, 404, "stop_not_found"),
    ],
)
def test_a_wrong_scan_is_refused_and_changes_nothing(
    admin: Api, backend: Backend, client: TestClient, change: dict, status: int, code: str
) -> None:
    f = floor(admin, backend, client, [[("TEA", 3)]])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    before = snapshot(backend.engine)
    r = client.post(
        f"/v1/pick-lists/{pl['id']}/confirmations", json=scan(pl["next_stop"], **change), headers=f.picker.headers
    )
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["message"]
    assert snapshot(backend.engine) == before
    assert f.picker.get(f"/v1/pick-lists/{pl['id']}")["stops"] == pl["stops"]


def test_a_scan_is_never_picked_twice(admin: Api, backend: Backend, client: TestClient) -> None:
    f = floor(admin, backend, client, [[("TEA", 3), ("MILK", 2)]])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    body = scan(pl["next_stop"])
    first = f.picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", body, key="scan-1")
    again = f.picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", body, key="scan-1")
    assert again == first
    after = snapshot(backend.engine)
    for repeat in (body, {k: v for k, v in body.items() if k != "stop_id"}):  # a double scan, with or without stop
        r = client.post(f"/v1/pick-lists/{pl['id']}/confirmations", json=repeat, headers=f.picker.headers)
        assert r.status_code == 409 and r.json()["error"]["code"] == "stop_already_confirmed", r.text
    assert snapshot(backend.engine) == after
    assert stock_at(admin, first["cart"]) == {(body["sku"], body["lot"]): (body["quantity"], body["quantity"])}


def test_another_warehouse_or_an_unclaimed_list_is_refused(admin: Api, backend: Backend, client: TestClient) -> None:
    f = floor(admin, backend, client, [[("TEA", 3)]])
    stop = f.wave["pick_lists"][0]["stops"][0]
    pl_id = f.wave["pick_lists"][0]["id"]
    body = {"location": stop["location"], "sku": stop["sku"], "lot": stop["lot"], "quantity": stop["quantity"]}
    r = client.post(f"/v1/pick-lists/{pl_id}/confirmations", json=body, headers=f.picker.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "pick_list_not_claimed"
    elsewhere = Api(client, make_token(backend, "picker", "WH2"))
    elsewhere.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=403)
    elsewhere.post(f"/v1/pick-lists/{pl_id}/confirmations", body, expect=403)
    elsewhere.get(f"/v1/pick-lists/{pl_id}", expect=403)
    assert elsewhere.post("/v1/pick-lists/claim", {"warehouse": "WH2"}, expect=204) == {}
    f.picker.get("/v1/pick-lists/987654", expect=404)
    Api(client, make_token(backend, "erp")).post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=403)


def test_another_lot_that_fefo_allows_is_accepted_and_the_reservation_moves(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    f = floor(admin, backend, client, [[("MILK", 4)]])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    stop = pl["next_stop"]
    assert stop["lot"] == "M-40"
    before = snapshot(backend.engine)
    r = client.post(f"/v1/pick-lists/{pl['id']}/confirmations", json=scan(stop, lot="M-05"), headers=f.picker.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "lot_not_allowed"  # 5 days left, 10 needed
    assert snapshot(backend.engine) == before
    done = f.picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", scan(stop, lot="M-60"))
    assert done["stops"][0]["lot"] == "M-60" and done["status"] == "picked"
    assert stock_at(admin, MILK_SHELF) == {
        ("MILK", "M-40"): (10, 0),
        ("MILK", "M-60"): (6, 0),
        ("MILK", "M-05"): (10, 0),
    }
    assert stock_at(admin, done["cart"]) == {("MILK", "M-60"): (4, 4)}
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_a_short_pick_is_found_elsewhere_as_a_new_stop(admin: Api, backend: Backend, client: TestClient) -> None:
    f = floor(admin, backend, client, [[("TEA", 8)]])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    stop = pl["next_stop"]
    assert (stop["location"], stop["quantity"]) == (TEA_MAIN, 8)
    after = f.picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", scan(stop, 5, reason="not_found"))
    short = after["stops"][0]
    assert (short["status"], short["picked_quantity"], short["reason"]) == ("short", 5, "not_found")
    [added] = [s for s in after["stops"] if s["id"] in after["added_stop_ids"]]
    assert (added["location"], added["lot"], added["quantity"], added["status"]) == (TEA_SPARE, "T-SPARE", 3, "open")
    assert added["replaces_stop_id"] == short["id"] and after["next_stop"]["id"] == added["id"]
    # the 3 not found are written off the shelf, and the shelf gets a count task
    assert stock_at(admin, TEA_MAIN) == {("TEA", "T-MAIN"): (12, 0)}
    counts = admin.all("/v1/cycle-counts", warehouse="WH1")
    assert [(c["location"], c["reason"], c["status"]) for c in counts] == [(TEA_MAIN, "short_pick", "open")]
    done = pick_all(f.picker, after)
    assert done["status"] == "picked"
    assert stock_at(admin, done["cart"]) == {("TEA", "T-MAIN"): (5, 5), ("TEA", "T-SPARE"): (3, 3)}
    order = admin.get(f"/v1/orders/{f.wave['orders'][0]}")
    assert order["status"] == "allocated" and order["lines"][0]["backordered"] == 0
    # the shelf is held until it is counted: a new order is served from elsewhere
    held = admin.post("/v1/orders", order_body(("TEA", 2), customer="next"))
    assert [a["location"] for sh in held["shipments"] for ln in sh["lines"] for a in ln["allocations"]] == [TEA_SPARE]
    admin.post(
        f"/v1/cycle-counts/{counts[0]['id']}/result", {"lines": [{"sku": "TEA", "lot": "T-MAIN", "quantity": 12}]}
    )
    admin.post(f"/v1/cycle-counts/{counts[0]['id']}/post")
    again = admin.post("/v1/orders", order_body(("TEA", 1), customer="after"))
    assert [a["location"] for sh in again["shipments"] for ln in sh["lines"] for a in ln["allocations"]] == [TEA_MAIN]
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


@pytest.mark.parametrize("reason", ["not_found", "damaged"])
def test_a_short_pick_with_nothing_elsewhere_is_flagged_for_planners(
    admin: Api, backend: Backend, client: TestClient, reason: str
) -> None:
    f = floor(admin, backend, client, [[("MILK", 4), ("TEA", 1)]])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    milk = next(s for s in pl["stops"] if s["sku"] == "MILK")
    after = f.picker.post(
        f"/v1/pick-lists/{pl['id']}/short-picks",
        {"location": milk["location"], "sku": "MILK", "reason": reason, "stop_id": milk["id"]},
    )
    assert after["added_stop_ids"] == []  # M-60 is on the same shelf (suspect), M-05 too short-dated
    order_id = f.wave["orders"][0]
    order = admin.get(f"/v1/orders/{order_id}")
    assert order["status"] == "ready"
    assert {ln["sku"]: ln["backordered"] for ln in order["lines"]} == {"MILK": 4, "TEA": 0}
    problems = admin.all("/v1/order-problems", code="short_pick")
    assert [p["order_id"] for p in problems] == [order_id]
    shelf = stock_at(admin, MILK_SHELF)
    assert shelf[("MILK", "M-40")] == (6, 0)
    assert stock_at(admin, "QUARANTINE") == ({("MILK", "M-40"): (4, 0)} if reason == "damaged" else {})
    done = pick_all(f.picker, after)
    f.picker.post(f"/v1/pick-lists/{pl['id']}/deliver", expect=200)
    [shipment] = admin.get(f"/v1/orders/{order_id}")["shipments"]
    assert shipment["status"] == "picked" and [ln["sku"] for ln in shipment["lines"]] == ["TEA"]
    assert done["status"] == "picked"
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_the_item_barcode_scans_as_well_as_the_sku(admin: Api, backend: Backend, client: TestClient) -> None:
    f = floor(admin, backend, client, [[("TEA", 2)]])
    assert admin.get("/v1/items/TEA")["barcode"] == TEA_BARCODE
    r = client.post("/v1/items", json={"sku": "TEA2", "name": "t", "barcode": TEA_BARCODE}, headers=admin.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "barcode_exists"
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    done = f.picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", scan(pl["next_stop"], sku=TEA_BARCODE))
    assert done["status"] == "picked" and done["stops"][0]["sku"] == "TEA"


def test_a_short_pick_reroutes_the_rest_from_where_the_picker_stands(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    stock_floor(admin)
    admin.post("/v1/items", {"sku": "JAM", "name": "Jam"})
    receive(admin, "WH1", ("TEA", "T-FAR", None, 2, "A03-B019-L1-R"), ("JAM", "J-1", None, 5, JAM_SHELF))
    admin.post("/v1/orders", order_body(("TEA", 8), ("MILK", 2), ("JAM", 1), customer="C0"))
    picker = Api(client, make_token(backend, "picker", "WH1"))
    admin.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 50}})
    at = {loc["code"]: (loc["x_m"], loc["y_m"]) for loc in admin.all("/v1/warehouses/WH1/locations")}
    pl = picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    planned = {st["sku"]: st for st in pl["stops"]}  # planned MILK, TEA, JAM; the picker takes JAM first
    assert [st["sku"] for st in sorted(pl["stops"], key=lambda st: st["seq"])] == ["MILK", "TEA", "JAM"]
    pl = picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", scan(planned["JAM"]))
    short = planned["TEA"]
    after = picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", scan(short, 1, reason="not_found"))
    assert len(after["added_stop_ids"]) == 2  # 7 missing: 5 at TEA_SPARE, by the depot, 2 deep at T-FAR
    stops = sorted(after["stops"], key=lambda s: s["seq"])
    done = [planned["JAM"], short]  # in the order confirmed
    todo = [s for s in stops if s["status"] == "open"]
    assert {s["sku"] for s in todo} == {"MILK", "TEA"} and len(todo) == 3  # MILK, planned first, and the two added
    assert after["next_stop"]["id"] == todo[0]["id"]

    def path(first: tuple[float, float], rest: list[tuple[float, float]]) -> float:
        legs = zip([first, *rest], rest, strict=False)
        return sum(distance(LAYOUT, a, b) for a, b in legs) + from_depot(LAYOUT, rest[-1] if rest else first)

    here = at[short["location"]]
    rest = [at[s["location"]] for s in todo]
    walked = from_depot(LAYOUT, at[done[0]["location"]]) + sum(
        distance(LAYOUT, at[a["location"]], at[b["location"]]) for a, b in zip(done, done[1:], strict=False)
    )
    assert min(path(here, list(p)) for p in itertools.permutations(rest)) == pytest.approx(path(here, rest))
    assert after["distance_m"] == pytest.approx(walked + path(here, rest))
    done_list = pick_all(picker, after)
    assert done_list["status"] == "picked" and done_list["distance_m"] == after["distance_m"]
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)
