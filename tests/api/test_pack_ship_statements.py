"""Packing's and shipping's statement budgets: a pack, a ship, and a truckload shipped in one call are each
one transaction of a fixed number of statements, their Idempotency-Key and answer included, and one commit;
before it only the token and the warehouse scope are read. A truckload takes the statements of one shipment,
whatever its size. Counted as in ``test_confirm_statements`` (``before_cursor_execute``, per transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.orders_helpers import order_body
from tests.api.picking_helpers import floor, pick_all
from tests.api.shipping_helpers import pack_body, picked_shipments
from tests.api.statement_counting import Seen, counting
from tests.conftest import Api, Backend, open_backend
from tests.invariants import assert_reservations_consistent, assert_stock_invariants

# A pack: lock, orders, units, the dock, its stock rows (looked up, the new ones created and looked up
# again, locked), one change of stock, the operation and its ledger rows, the allocations, the parcels and
# their numbers, the shipment and its history row, the history read, the key, the outbox (counter, rows).
PACK_BUDGET = 20
# A ship (of one shipment or of many): orders and shipments locked, units, stock rows locked and changed,
# the operations and their ledger rows, the shipments and their history rows, which orders left, those
# orders and their history rows, the parcels, the history read, the key, the outbox (counter, rows).
SHIP_BUDGET = 17


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """The conftest's backends, without the wave sweeper: only the requests' statements are counted."""
    with open_backend(request, request.param, tmp_path, wave_sweep_interval_s=0) as opened:
        yield opened


def _work(seen: Seen) -> list[str]:
    assert seen.commits == 1, [t.statements for t in seen.written]
    [work] = seen.written
    assert any("idempotency_keys" in s for s in work.statements)  # the key and its answer, with the work
    return work.statements


def test_a_pack_and_a_ship_are_one_transaction_each(admin: Api, backend: Backend, client: TestClient) -> None:
    f, [shipment] = picked_shipments(admin, backend, client, [[("TEA", 3), ("MILK", 2)]])
    with counting(backend) as seen:
        packed = f.picker.post(f"/v1/shipments/{shipment['id']}/pack", pack_body(shipment, 1.2, 0.4), key="p")
    # SQLite (in process) inserts a row a statement where it must return their ids: one more for parcel 2
    budget = PACK_BUDGET + (1 if backend.name == "sqlite" else 0)
    assert len(_work(seen)) <= budget, "\n".join(_work(seen))
    # only the token: where the shipment is was read when the picker's token first named it (scope.Settled)
    assert [len(t.statements) for t in seen.reads] == [1]
    assert packed == f.picker.get(f"/v1/shipments/{shipment['id']}")  # the answer is what a fresh read shows

    with counting(backend) as seen:
        shipped = f.picker.post(f"/v1/shipments/{shipment['id']}/ship", expect=200, key="s")
    assert len(_work(seen)) <= SHIP_BUDGET, "\n".join(_work(seen))
    assert [len(t.statements) for t in seen.reads] == [1]
    assert shipped == f.picker.get(f"/v1/shipments/{shipment['id']}")
    assert shipped["status"] == "shipped"
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_a_truckload_takes_the_statements_of_one_shipment(admin: Api, backend: Backend, client: TestClient) -> None:
    orders = [[("TEA", 1), ("MILK", 1)], [("TEA", 2)], [("MILK", 2)], [("TEA", 1)], [("TEA", 1), ("MILK", 3)]]
    f, waiting = picked_shipments(admin, backend, client, orders)
    assert len(waiting) == 5
    for s in waiting:
        f.picker.post(f"/v1/shipments/{s['id']}/pack", pack_body(s))
    with counting(backend) as seen:
        answer = f.picker.post(
            "/v1/shipments/ship", {"warehouse": "WH1", "shipment_ids": [s["id"] for s in waiting]}, expect=200, key="t"
        )
    assert answer["shipped"] == 5 and answer["refused"] == 0
    statements = _work(seen)
    # the savepoint the truck leaves in (each shipment leaves alone should it fail); SQLite (in process)
    # inserts a row a statement where it must return their ids: the 5 operations
    budget = SHIP_BUDGET + 2 + (4 if backend.name == "sqlite" else 0)
    assert len(statements) <= budget, "\n".join(statements)
    assert len(seen.reads) <= 1  # the token (the warehouse is named in the body: no read to check it)
    print(f"\n{backend.name}: 5 shipments shipped in {len(statements)} statements")
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_a_carts_delivery_takes_the_same_statements_whatever_the_number_of_orders_on_it(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    """Delivering a cart marks each of its shipments picked, set-based: a cart of six orders takes the
    statements of a cart of one, or fewer (their units all of one lot, so the cart holds one stock row either way)."""
    f = floor(admin, backend, client, [[("TEA", 1)]], cart={"max_orders": 1})
    counts = []
    for n in (1, 6):
        if n > 1:
            for k in range(n):
                admin.post("/v1/orders", order_body(("TEA", 1), customer=f"D{k}"))
            admin.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_orders": 20}})
        pick_list = pick_all(f.picker, f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200))
        assert len(pick_list["orders"]) == n
        with counting(backend) as seen:
            f.picker.post(f"/v1/pick-lists/{pick_list['id']}/deliver", expect=200)
        writes = ("INSERT", "UPDATE", "DELETE")
        [work] = [t for t in seen.written if any(st.split()[0].upper() in writes for st in t.statements)]
        counts.append(len(work.statements))
        shipments = {s["shipment_id"] for s in pick_list["stops"]}
        assert {f.picker.get(f"/v1/shipments/{sid}")["status"] for sid in shipments} == {"picked"}
    assert counts[1] <= counts[0], counts
