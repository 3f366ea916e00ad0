"""The floor under load: pickers confirming a planned wave through a real server, then packing and shipping.

One round per (backend, pickers): a fresh database with the generated world,
``FLOOR_ORDERS`` orders pushed and allocated, one wave of the warehouse with the
most allocated shipments planned (carts of 24 units), then ``pickers`` threads,
each with its own picker token, claim and confirm every stop over HTTP (each
confirmation with an Idempotency-Key, as handhelds send them) and deliver the
carts; one packer then packs and ships every shipment. Printed per round:
confirmations per second, latency percentiles of a confirmation and of
pack + ship, and a check that the ledger agrees with stock.
"""

from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from benchmarks.conftest import Database, Templates
from benchmarks.soak_roles import scan
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from tests.live_server import live_server
from wms.allocation.orm import Shipment
from wms.auth.keys import create_key
from wms.inventory.orm import Warehouse
from wms.orders.commands import PushOrder
from wms.orders.services import push_order
from wms.orders.workflow import Policy
from wms.picking.waves import Cart, StartWave, run_planning, start_wave

FLOOR_ORDERS = int(os.environ.get("WMS_BENCH_FLOOR_ORDERS", "600"))


def _prepare(db: Database, orders: list[dict[str, Any]]) -> tuple[str, int]:
    uow = db.uow()
    for o in orders[:FLOOR_ORDERS]:
        push_order(PushOrder.model_validate(o), uow, Policy(), "bench")
    code = uow.run(
        lambda u: u.session.execute(
            select(Warehouse.code)
            .join(Shipment, Shipment.warehouse_id == Warehouse.id)
            .where(Shipment.status == "allocated")
            .group_by(Warehouse.code)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one(),
        read_only=True,
    )
    wave_id, n_orders = start_wave(StartWave(warehouse=code, cart=Cart(max_units=24), time_limit_s=5.0), uow, "bench")
    assert run_planning(uow, wave_id) == "planned"
    return code, n_orders


def _picker(base: str, token: str, code: str) -> list[float]:
    latencies: list[float] = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
        while (r := c.post("/v1/pick-lists/claim", json={"warehouse": code})).status_code == 200:
            pl = r.json()
            while (stop := pl["next_stop"]) is not None:
                t0 = time.perf_counter()
                r = c.post(
                    f"/v1/pick-lists/{pl['id']}/confirmations",
                    headers={"Idempotency-Key": f"s{stop['id']}"},
                    json=scan(stop, stop["quantity"]),
                )
                latencies.append(time.perf_counter() - t0)
                assert r.status_code == 201, r.text
                pl = r.json()
            assert c.post(f"/v1/pick-lists/{pl['id']}/deliver", json={}).status_code == 200
        assert r.status_code == 204, r.text
    return latencies


def _pack_and_ship(base: str, token: str, shipment_ids: list[int]) -> list[float]:
    latencies = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
        for sid in shipment_ids:
            t0 = time.perf_counter()
            items = c.get(f"/v1/shipments/{sid}").json()["items"]
            r = c.post(
                f"/v1/shipments/{sid}/pack",
                json={
                    "items": [{"sku": i["sku"], "lot": i["lot"], "quantity": i["quantity"]} for i in items],
                    "parcels": [{"weight_kg": 1.0}],
                },
            )
            assert r.status_code == 201, r.text
            assert c.post(f"/v1/shipments/{sid}/ship").status_code == 200
            latencies.append(time.perf_counter() - t0)
    return latencies


def _pct(values: list[float], q: float) -> float:
    return round(1000 * statistics.quantiles(values, n=100)[int(q) - 1], 1) if len(values) > 1 else 0.0


@pytest.mark.parametrize("pickers", [1, 8])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_floor(benchmark: Any, templates: Templates, orders: list[dict[str, Any]], backend: str, pickers: int) -> None:
    benchmark.group = f"floor: {FLOOR_ORDERS} orders pushed, one wave picked, packed, shipped"
    info: dict[str, Any] = {"backend": backend, "pickers": pickers}

    def setup() -> tuple[tuple, dict]:
        db = templates.fresh(backend)
        code, n_orders = _prepare(db, orders)
        info.update(warehouse=code, wave_orders=n_orders)
        tokens = [create_key(db.uow(), "picker", code)[1] for _ in range(pickers)]
        return (db, code, tokens), {}

    def target(db: Database, code: str, tokens: list[str]) -> None:
        with live_server(db.settings, db.engine) as base:
            t0 = time.perf_counter()
            with ThreadPoolExecutor(pickers) as pool:
                runs = list(pool.map(lambda tok: _picker(base, tok, code), tokens))
            picking_s = time.perf_counter() - t0
            shipment_ids = db.uow().run(
                lambda u: list(
                    u.session.scalars(select(Shipment.id).where(Shipment.status == "picked").order_by(Shipment.id))
                ),
                read_only=True,
            )
            t1 = time.perf_counter()
            packing = _pack_and_ship(base, tokens[0], shipment_ids)
            packing_s = time.perf_counter() - t1
        confirms = [x for run in runs for x in run]
        info.update(
            confirmations=len(confirms),
            picking_s=round(picking_s, 2),
            confirmations_per_s=round(len(confirms) / picking_s, 1),
            confirm_ms_p50=_pct(confirms, 50),
            confirm_ms_p95=_pct(confirms, 95),
            shipments=len(shipment_ids),
            shipments_per_s=round(len(shipment_ids) / packing_s, 1),
            pack_ship_ms_p50=_pct(packing, 50),
            pack_ship_ms_p95=_pct(packing, 95),
        )

    def teardown(db: Database, *_: Any) -> None:
        assert_stock_invariants(db.engine)
        assert_reservations_consistent(db.engine)
        with db.engine.connect() as conn:
            info["ledger_rows"] = conn.execute(text("SELECT count(*) FROM stock_movements")).scalar()
        db.close()

    benchmark.pedantic(target, setup=setup, teardown=teardown, rounds=1, iterations=1)
    benchmark.extra_info.update(info)
    print(f"\n{info}")
    assert info["confirmations"] > 0 and info["shipments"] > 0
