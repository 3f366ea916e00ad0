"""Set-based intake gives every order the outcome it would have had pushed alone (issue 12).

A generated day (scarce stock over three warehouses, lots with spread expiry and shelf-life rules,
customers ordering several times to one address, unpaid orders, unclear addresses, buyer messages,
unknown SKUs, an order pushed twice) goes once through ``push_orders`` in chunks and once order by order
through the one-order ORM path (``services._push``, each in its own transaction). Every table the push
writes must come out the same, row for row, and every event in the same order.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from tests.api.orders_helpers import ADDRESS
from tests.conftest import SMALL_LAYOUT, Api, Backend, make_token, open_backend
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from wms.api.app import create_app
from wms.db import UnitOfWork, make_session_factory
from wms.errors import DomainError
from wms.orders import services
from wms.orders.commands import PushOrder
from wms.orders.workflow import Policy

SKUS = [f"S{n:02d}" for n in range(24)]
WAREHOUSES = ("WH1", "WH2", "WH3")
TODAY = datetime.now(UTC).date()

# each table the push writes, the columns compared (timestamps aside: they are the time of the write)
TABLES = {
    "orders": "id, external_id, channel, customer_id, merge_key, carrier, paid, status, line_count, unit_count",
    "order_lines": "id, order_id, line_no, item_id, quantity, backordered",
    "order_transitions": "id, order_id, from_status, to_status, cause, actor",
    "order_problems": "id, order_id, code, detail, resolved_at",
    "shipments": "id, warehouse_id, status, merge_key, carrier, wave_id",
    "shipment_lines": "id, shipment_id, order_id, order_line_id, item_id, quantity",
    "shipment_transitions": "id, shipment_id, from_status, to_status, cause, actor",
    "allocations": "id, shipment_line_id, stock_id, quantity",
    "stock": "id, warehouse_id, location_id, item_id, lot_id, on_hand, reserved",
}


def _world(api: Api, rng: random.Random) -> None:
    for wh in WAREHOUSES:
        api.post("/v1/warehouses", {"code": wh, "name": wh, "layout": SMALL_LAYOUT})
    for n, sku in enumerate(SKUS):
        api.post("/v1/items", {"sku": sku, "name": sku, "min_shelf_life_days": 20 if n % 5 == 0 else 0})
    for wh in WAREHOUSES:
        lines = [
            {
                "sku": sku,
                "lot": f"{wh}-{sku}-{k}",
                "expiry_date": (TODAY + timedelta(days=rng.choice([10, 25, 60, 400]))).isoformat(),
                "quantity": rng.randint(1, 9),
                "location": f"A0{rng.randint(1, 3)}-B{rng.randint(1, 20):03d}-L1-{rng.choice('LR')}",
            }
            for sku in rng.sample(SKUS, 16)
            for k in range(rng.randint(1, 2))
        ]
        api.post("/v1/receipts", {"warehouse": wh, "reference": f"R-{wh}", "lines": lines})


def _day(rng: random.Random, n: int) -> list[dict[str, Any]]:
    customers = [f"cust-{k}" for k in range(n // 3)]  # customers order several times: merges
    orders: list[dict[str, Any]] = []
    for k in range(n):
        customer = rng.choice(customers)
        ship_to = dict(ADDRESS, name=customer)
        if rng.random() < 0.05:
            ship_to["postcode"] = ""  # unclear address
        body: dict[str, Any] = {
            "external_id": f"E{k}",
            "channel": rng.choice(["web", "market"]),
            "customer_id": customer,
            "ship_to": ship_to,
            "paid": rng.random() < 0.85,
            "promised_ship_by": datetime.combine(TODAY + timedelta(days=rng.randint(1, 30)), datetime.min.time(), UTC)
            .replace(hour=18)
            .isoformat(),
            "carrier": "DHL" if customer[-1] in "02468" else rng.choice(["DHL", "UPS"]),
            "lines": [
                {"sku": sku, "quantity": rng.randint(1, 4)} for sku in rng.sample(SKUS, rng.choice([1, 1, 2, 3, 5]))
            ],
        }
        if rng.random() < 0.04:
            body["buyer_message"] = "please gift wrap"
        if rng.random() < 0.02:
            body["lines"][0]["sku"] = "NO-SUCH-SKU"
        orders.append(body)
    orders.insert(n // 2, dict(orders[3]))  # pushed twice in one batch
    return orders


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        tables = {
            t: [tuple(r) for r in conn.execute(text(f"SELECT {c} FROM {t} ORDER BY id"))] for t, c in TABLES.items()
        }
        events = conn.execute(text("SELECT type, payload FROM outbox_events ORDER BY seq"))
        tables["events"] = [(t, {k: v for k, v in _payload(p).items() if k != "at"}) for t, p in events]
    return tables


def _payload(p: Any) -> dict[str, Any]:
    import json

    return json.loads(p) if isinstance(p, str) else p


def _run(backend: Backend, bodies: list[dict[str, Any]], *, bulk: bool) -> list[tuple[int, bool] | str]:
    app = create_app(backend.settings, backend.engine)
    with TestClient(app) as client:
        _world(Api(client, make_token(backend, "admin")), random.Random(7))
    factory = make_session_factory(backend.engine)
    uow = UnitOfWork(factory)
    policy = Policy.from_settings(backend.settings)
    cmds = [PushOrder.model_validate(b) for b in bodies]
    if bulk:
        out = services.push_orders(cmds, uow, policy, "erp", chunk=40)
    else:
        out = []
        for cmd in cmds:
            try:
                out.append(uow.run(lambda u, c=cmd: services._push(u.session, c, policy, "erp")))
            except DomainError as exc:
                out.append(exc)
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)
    return [r.code if isinstance(r, DomainError) else r for r in out]


@pytest.mark.parametrize("name", ["sqlite", "postgresql"])
def test_bulk_intake_equals_one_by_one(request: pytest.FixtureRequest, tmp_path: Any, name: str) -> None:
    bodies = _day(random.Random(12), 300)
    runs = []
    for bulk in (False, True):
        directory = tmp_path / ("bulk" if bulk else "single")
        directory.mkdir()
        with open_backend(request, name, directory) as backend:
            results = _run(backend, bodies, bulk=bulk)
            runs.append((results, _snapshot(backend.engine)))
    (single, single_rows), (bulk, bulk_rows) = runs
    assert bulk == single
    assert "item_not_found" in single and any(r[1] is False for r in single if isinstance(r, tuple))
    statuses = {row[7] for row in single_rows["orders"]}
    assert {"allocated", "ready", "awaiting_payment", "unconfirmed"} <= statuses  # the day exercises every path
    orders_in = {
        sh[0]: {sl[2] for sl in single_rows["shipment_lines"] if sl[1] == sh[0]} for sh in single_rows["shipments"]
    }
    assert any(len(o) > 1 for o in orders_in.values())  # merged shipments
    for table in [*TABLES, "events"]:
        assert bulk_rows[table] == single_rows[table], table
