"""Waves through the HTTP API: complete, within capacity, routed as layout.md says, never doubled."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.orders_helpers import order_body, receive
from tests.conftest import SMALL_LAYOUT, Api, Backend, make_token
from tests.invariants import assert_reservations_consistent, assert_shipment_history_consistent, assert_stock_invariants
from tests.live_server import live_server
from tests.unit.routing_reference import route_length
from wms.api.app import create_app
from wms.inventory.layout import Layout
from wms.picking import waves as waves_module

LAYOUT = Layout(**SMALL_LAYOUT)
SKUS = [f"S{i}" for i in range(12)]


def stocked(api: Api) -> dict[str, tuple[float, float]]:
    api.post("/v1/warehouses", {"code": "WH1", "name": "w", "layout": SMALL_LAYOUT})
    storage = [loc for loc in api.all("/v1/warehouses/WH1/locations", kind="storage")]
    for k, sku in enumerate(SKUS):
        api.post("/v1/items", {"sku": sku, "name": sku})
        loc = storage[(k * 37) % len(storage)]["code"]
        receive(api, "WH1", (sku, f"{sku}-L", None, 500, loc))
    return {loc["code"]: (loc["x_m"], loc["y_m"]) for loc in storage}


def push_orders(api: Api, n: int, lines: int = 2) -> list[dict]:
    return [
        api.post(
            "/v1/orders",
            order_body(
                *[(SKUS[(i * 5 + j * 7) % len(SKUS)], 1 + (i + j) % 3) for j in range(1 + i % lines)], customer=f"C{i}"
            ),
        )
        for i in range(n)
    ]


def check_wave(api: Api, wave: dict, where: dict[str, tuple[float, float]], max_units: int) -> None:
    assert wave["status"] == "planned"
    picked: dict[int, int] = defaultdict(int)
    seen_orders: list[int] = []
    for pl in wave["pick_lists"]:
        assert sum(s["quantity"] for s in pl["stops"]) <= max_units or len(pl["orders"]) == 1
        assert abs(pl["distance_m"] - route_length(LAYOUT, [where[s["location"]] for s in pl["stops"]])) < 1e-6
        for s in pl["stops"]:
            picked[s["order_id"]] += s["quantity"]
        seen_orders += pl["orders"]
    assert len(seen_orders) == len(set(seen_orders)) == len(wave["orders"])  # no order split across carts
    for order_id in wave["orders"]:
        order = api.get(f"/v1/orders/{order_id}")
        assert picked[order_id] == sum(ln["allocated"] for ln in order["lines"])
    assert abs(wave["total_distance_m"] - sum(pl["distance_m"] for pl in wave["pick_lists"])) < 1e-6


def fcfs_distance(wave: dict, api: Api, where: dict[str, tuple[float, float]], max_units: int) -> float:
    """First come first served, computed here: orders in arrival order into carts, each routed optimally."""
    carts, current, units = [], [], 0
    for order_id in sorted(wave["orders"]):
        order = api.get(f"/v1/orders/{order_id}")
        points = [where[a["location"]] for sh in order["shipments"] for ln in sh["lines"] for a in ln["allocations"]]
        qty = sum(ln["allocated"] for ln in order["lines"])
        if current and units + qty > max_units:
            carts.append(current)
            current, units = [], 0
        current, units = current + points, units + qty
    carts.append(current)
    return sum(min(route_length(LAYOUT, list(p)) for p in itertools.permutations(sorted(set(c)))) for c in carts)


def test_wave_covers_every_order_within_capacity_and_beats_fcfs(admin: Api) -> None:
    where = stocked(admin)
    push_orders(admin, 10)
    wave = admin.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 8}})
    assert len(wave["orders"]) == 10
    check_wave(admin, wave, where, 8)
    assert wave["total_distance_m"] <= fcfs_distance(wave, admin, where, 8) + 1e-6
    assert admin.get(f"/v1/waves/{wave['id']}") == wave
    err = admin.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 8}}, expect=409)
    assert err["error"]["code"] == "nothing_to_plan"
    # an order cancelled in a planned wave leaves it: its stops are cancelled, its stock released
    cancelled = admin.post(f"/v1/orders/{wave['orders'][0]}/cancel", expect=200)
    assert cancelled["status"] == "cancelled" and cancelled["shipments"] == []
    stops = [
        s
        for pl in admin.get(f"/v1/waves/{wave['id']}")["pick_lists"]
        for s in pl["stops"]
        if s["order_id"] == wave["orders"][0]
    ]
    assert stops and {s["status"] for s in stops} == {"cancelled"}


def test_max_orders_takes_the_most_urgent(admin: Api) -> None:
    stocked(admin)
    late = admin.post("/v1/orders", order_body(("S1", 1), customer="late"))
    urgent = admin.post(
        "/v1/orders", {**order_body(("S2", 1), customer="urgent"), "promised_ship_by": "2026-11-27T08:00:00+00:00"}
    )
    wave = admin.post("/v1/waves", {"warehouse": "WH1", "max_orders": 1, "cart": {"max_orders": 5}})
    assert wave["orders"] == [urgent["id"]] and late["id"] not in wave["orders"]


def test_bad_wave_requests(admin: Api, backend: Backend, client) -> None:  # type: ignore[no-untyped-def]
    stocked(admin)
    for body in (
        {"warehouse": "WH1"},
        {"warehouse": "WH1", "cart": {"max_units": 0}},
        {"warehouse": "WH1", "cart": {}, "time_limit_s": -1},
        {"warehouse": "WH1", "cart": {}, "x": 1},
    ):
        admin.post("/v1/waves", body, expect=422)
    admin.post("/v1/waves", {"warehouse": "WH9", "cart": {}}, expect=404)
    picker = Api(client, make_token(backend, "picker", "WH1"))
    picker.post("/v1/waves", {"warehouse": "WH1", "cart": {}}, expect=403)
    admin.get("/v1/waves/999", expect=404)


def test_large_wave_is_planned_in_the_background(backend: Backend) -> None:
    settings = backend.settings.model_copy(update={"wave_sync_max_orders": 0, "wave_sweep_interval_s": 0.2})
    with TestClient(create_app(settings, backend.engine)) as client:
        api = Api(client, make_token(backend, "admin"))
        where = stocked(api)
        push_orders(api, 6)
        started = client.post("/v1/waves", json={"warehouse": "WH1", "cart": {"max_units": 6}}, headers=api.headers)
        assert started.status_code == 202 and started.json()["status"] == "planning"
        deadline = time.time() + 60
        while (wave := api.get(f"/v1/waves/{started.json()['id']}"))["status"] == "planning" and time.time() < deadline:
            time.sleep(0.1)
        check_wave(api, wave, where, 6)


def test_a_dead_worker_is_replaced_and_a_failing_wave_gives_its_orders_back(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no worker at all (sync limit 0, no sweeper): the wave waits in planning, as if its worker died
    settings = backend.settings.model_copy(update={"wave_sync_max_orders": 0, "wave_sweep_interval_s": 0})
    with TestClient(create_app(settings, backend.engine)) as client:
        api = Api(client, make_token(backend, "admin"))
        stocked(api)
        push_orders(api, 4)
        monkeypatch.setattr(client.app.state, "dispatcher", type("Dead", (), {"submit": lambda self, w: None})())
        wave_id = api.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 6}}, expect=202)["id"]
        with backend.engine.begin() as conn:  # a worker took it and died: its lease ran out
            conn.execute(text("UPDATE waves SET lease_until = '2000-01-01 00:00:00', attempts = 1"))
        uow = backend.uow()
        assert waves_module.waves_to_plan(uow) == [wave_id]
        assert waves_module.run_planning(uow, wave_id) == "planned"
        assert {
            sh["status"] for o in api.all("/v1/orders") for sh in api.get(f"/v1/orders/{o['id']}")["shipments"]
        } == {"released"}

        push_orders(api, 3)
        failing = api.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 6}}, expect=202)["id"]
        monkeypatch.setattr(waves_module.wave_plans, "plan", lambda inputs: 1 / 0)
        for _ in range(waves_module.MAX_ATTEMPTS):
            with pytest.raises(ZeroDivisionError):
                waves_module.run_planning(uow, failing)
        wave = api.get(f"/v1/waves/{failing}")
        assert wave["status"] == "failed" and "ZeroDivisionError" in wave["error"] and wave["orders"] == []
        retry = api.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 6}}, expect=202)
        assert len(retry["orders"]) == 3  # the failed wave's orders are releasable again


def test_two_planners_at_once_never_share_an_order(backend: Backend) -> None:
    headers = {"Authorization": f"Bearer {make_token(backend, 'admin')}"}
    with TestClient(create_app(backend.settings, backend.engine)) as client:
        api = Api(client, headers["Authorization"][7:])
        stocked(api)
        push_orders(api, 24, lines=1)
    with live_server(backend.settings, backend.engine) as base:

        def plan(_: int) -> httpx.Response:
            with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
                return c.post("/v1/waves", json={"warehouse": "WH1", "max_orders": 8, "cart": {"max_orders": 4}})

        with ThreadPoolExecutor(6) as pool:
            responses = list(pool.map(plan, range(6)))
    planned = [r.json() for r in responses if r.status_code == 201]
    assert all(r.status_code in (201, 409) for r in responses) and planned
    orders = [o for w in planned for o in w["orders"]]
    assert len(orders) == len(set(orders)) and len(orders) <= 24


def test_with_redis_large_waves_go_to_rq_workers(
    backend: Backend, redis_queue: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis import Redis
    from rq import SimpleWorker

    redis_url, queue = redis_queue
    settings = backend.settings.model_copy(
        update={"redis_url": redis_url, "wave_queue": queue, "wave_sync_max_orders": 0, "wave_sweep_interval_s": 0}
    )
    with TestClient(create_app(settings, backend.engine)) as client:
        api = Api(client, make_token(backend, "admin"))
        where = stocked(api)
        push_orders(api, 5)
        wave_id = api.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 6}}, expect=202)["id"]
        assert api.get(f"/v1/waves/{wave_id}")["status"] == "planning"
        # a worker process, as `wms worker` runs it, with the same database settings
        monkeypatch.setenv("WMS_DATABASE_URL", backend.settings.database_url)
        SimpleWorker([queue], connection=Redis.from_url(redis_url)).work(burst=True)
        check_wave(api, api.get(f"/v1/waves/{wave_id}"), where, 6)


def test_a_wave_whose_planning_fails_in_the_request_is_retried_in_the_background(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = backend.settings.model_copy(update={"wave_sweep_interval_s": 0})
    with TestClient(create_app(settings, backend.engine)) as client:
        api = Api(client, make_token(backend, "admin"))
        where = stocked(api)
        push_orders(api, 3)
        real_plan = waves_module.wave_plans.plan
        calls = []

        def flaky(inputs):  # type: ignore[no-untyped-def]
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("solver crashed")
            return real_plan(inputs)

        monkeypatch.setattr(waves_module.wave_plans, "plan", flaky)
        started = api.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 6}}, expect=202)
        deadline = time.time() + 60
        while (wave := api.get(f"/v1/waves/{started['id']}"))["status"] == "planning" and time.time() < deadline:
            time.sleep(0.1)
        check_wave(api, wave, where, 6)


def test_an_order_waiting_for_stock_does_not_hold_back_the_orders_merged_with_it(admin: Api, backend: Backend) -> None:
    """A customer's orders share a shipment; one of them is short of stock (``ready``, part of it reserved). The
    wave takes the others: the waiting order leaves for a shipment of its own, its reservations with it."""
    stocked(admin)
    short = admin.post("/v1/orders", order_body(("S1", 2), ("S2", 900), customer="C9"))
    assert short["status"] == "ready"
    whole = admin.post("/v1/orders", order_body(("S3", 2), customer="C9"))
    assert whole["status"] == "allocated"
    with backend.engine.connect() as conn:
        shared = conn.execute(
            text("SELECT DISTINCT shipment_id FROM shipment_lines WHERE order_id IN (:a, :b)"),
            {"a": short["id"], "b": whole["id"]},
        ).all()
    assert len(shared) == 1  # merged: one shipment
    before = admin.get(f"/v1/orders/{short['id']}")

    wave = admin.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_orders": 5}})
    assert wave["orders"] == [whole["id"]]
    after = admin.get(f"/v1/orders/{short['id']}")
    assert after["status"] == "ready"
    assert [ln["allocated"] for ln in after["lines"]] == [ln["allocated"] for ln in before["lines"]]
    with backend.engine.connect() as conn:
        own = conn.execute(
            text(
                "SELECT s.id, s.status, s.wave_id, count(DISTINCT l.order_id) FROM shipments s "
                "JOIN shipment_lines l ON l.shipment_id = s.id WHERE s.id IN "
                "(SELECT shipment_id FROM shipment_lines WHERE order_id = :a) GROUP BY s.id, s.status, s.wave_id"
            ),
            {"a": short["id"]},
        ).all()
    assert len(own) == 1 and own[0][0] != shared[0][0]
    assert own[0][1:] == ("allocated", None, 1)  # alone, not in the wave, still waiting
    later = admin.post("/v1/orders", order_body(("S4", 1), customer="C9"))  # the customer's next order joins it
    with backend.engine.connect() as conn:
        assert conn.execute(
            text("SELECT DISTINCT shipment_id FROM shipment_lines WHERE order_id = :c"), {"c": later["id"]}
        ).all() == [(own[0][0],)]


def test_a_waiting_order_allocated_while_a_wave_starts_loses_and_doubles_nothing(backend: Backend) -> None:
    """Stock arriving for waiting orders (a receipt allocates them) and a wave start at once, five times, over
    HTTP: whichever goes first, every unit ordered is reserved once, in one shipment, and stock, reservations
    and shipment history agree."""
    token = make_token(backend, "admin")
    shorts = []
    with TestClient(create_app(backend.settings, backend.engine)) as client:
        api = Api(client, token)
        where = sorted(stocked(api))
        for k in range(5):
            short = api.post("/v1/orders", order_body(("S5", 1), ("S6", 600 + k), customer=f"R{k}"))  # 500 stocked
            assert short["status"] == "ready"
            assert api.post("/v1/orders", order_body(("S7", 1), customer=f"R{k}"))["status"] == "allocated"
            shorts.append(short)
    with live_server(backend.settings, backend.engine) as base:
        headers = {"Authorization": f"Bearer {token}"}

        def receipt(k: int) -> int:
            line = {"sku": "S6", "lot": f"S6-M{k}", "expiry_date": None, "quantity": 700, "location": where[k]}
            with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
                return c.post(
                    "/v1/receipts", json={"warehouse": "WH1", "reference": f"PO{k}", "lines": [line]}
                ).status_code

        def wave(_: int) -> int:
            with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
                return c.post("/v1/waves", json={"warehouse": "WH1", "cart": {"max_orders": 4}}).status_code

        with ThreadPoolExecutor(2) as pool:
            for k in range(5):
                got = [f.result() for f in [pool.submit(receipt, k), pool.submit(wave, k)]]
                assert got[0] == 201 and got[1] in (201, 409), got
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)
    assert_shipment_history_consistent(backend.engine)
    with backend.engine.connect() as conn:
        for short in shorts:
            per_line = conn.execute(
                text(
                    "SELECT ol.quantity, coalesce(sum(a.quantity), 0), count(DISTINCT sl.shipment_id) "
                    "FROM order_lines ol LEFT JOIN shipment_lines sl ON sl.order_line_id = ol.id "
                    "LEFT JOIN allocations a ON a.shipment_line_id = sl.id WHERE ol.order_id = :o GROUP BY ol.id"
                ),
                {"o": short["id"]},
            ).all()
            assert [(q, int(got), n) for q, got, n in per_line] == [(q, q, 1) for q, _, _ in per_line]


def test_only_shipments_the_wave_takes_are_parted(admin: Api, backend: Backend) -> None:
    """A wave of one order takes another customer's: the shipment with a waiting order stays whole, so the
    waiting order's later units join the shipment it is in (a parted but unreleased shipment would take them
    instead, splitting the line between two shipments). The next wave parts it and takes the complete order."""
    where = sorted(stocked(admin))

    def shipments_of(order_id: int) -> set[int]:
        with backend.engine.connect() as conn:
            return set(
                conn.scalars(text("SELECT shipment_id FROM shipment_lines WHERE order_id = :o"), {"o": order_id})
            )

    urgent = admin.post("/v1/orders", order_body(("S1", 1), customer="Y"))  # first come: the most urgent
    short = admin.post("/v1/orders", order_body(("S6", 600), customer="X"))  # 500 reserved, 100 short
    whole = admin.post("/v1/orders", order_body(("S7", 1), customer="X"))
    assert (short["status"], whole["status"]) == ("ready", "allocated") and shipments_of(short["id"]) == shipments_of(
        whole["id"]
    )
    merged = shipments_of(short["id"])
    wave = admin.post("/v1/waves", {"warehouse": "WH1", "max_orders": 1, "cart": {"max_orders": 5}})
    assert wave["orders"] == [urgent["id"]] and shipments_of(short["id"]) == merged  # not taken: not parted
    receive(admin, "WH1", ("S6", "S6-N", None, 50, where[3]))  # 50 more reserved for the short order
    assert shipments_of(short["id"]) == merged
    assert admin.get(f"/v1/orders/{short['id']}")["lines"][0]["allocated"] == 550
    wave = admin.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_orders": 5}})
    assert wave["orders"] == [whole["id"]]
    assert len(shipments_of(short["id"])) == 1 and shipments_of(short["id"]) != merged


def test_deadline_windows_keep_early_orders_off_late_carts(admin: Api) -> None:
    where = stocked(admin)
    due = ["2026-11-27T08:00:00+00:00", "2026-11-27T10:30:00+00:00", "2026-11-27T13:00:00+00:00"]
    window_of = {}
    for i in range(12):
        body = order_body((SKUS[(i * 5) % len(SKUS)], 1), (SKUS[(i * 7 + 3) % len(SKUS)], 1), customer=f"D{i}")
        order = admin.post("/v1/orders", {**body, "promised_ship_by": due[i % 3]})
        window_of[order["id"]] = i % 3  # whole hours after the earliest deadline: 0, 2.5 and 5 → windows 0, 2, 5
    admin.post("/v1/waves", {"warehouse": "WH1", "cart": {}, "deadline_window_min": 0}, expect=422)
    wave = admin.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_units": 8}, "deadline_window_min": 60})
    check_wave(admin, wave, where, 8)
    assert sorted(wave["orders"]) == sorted(window_of)
    windows = [{window_of[o] for o in pl["orders"]} for pl in wave["pick_lists"]]
    assert all(len(w) == 1 for w in windows)  # no cart mixes deadline windows
    firsts = [min(w) for w in windows]
    assert firsts == sorted(firsts)  # the carts of the earliest cut-off come first
