"""Stock is locked one way: every row a use case touches, in id order, before any changes (``lock_stock``).

The test suite runs with ``wms.inventory.stock.CHECK_ORDER`` set, so any use case that locks a stock
row below one it already holds fails its test. Here: the rule itself, and the statements PostgreSQL
sees for the use cases that touch stock in several steps.

A short pick first showed why (``benchmarks/test_soak_mixed.py``):

Found by ``benchmarks/test_soak_mixed.py`` on PostgreSQL: every one of 86 deadlocks in a 60 s soak on
hot SKUs had a short pick's re-allocation in its cycle. The short pick changed the stop's stock row
first and then locked the item's FEFO candidates elsewhere in id order, while allocations of the
same item locked those candidates (the stop's row among them) in id order. Each deadlock cost the
database's deadlock timeout (1 s) and a retry (p99 of a short pick 13.7 s). Now a short confirmation
locks the item's stock rows in the warehouse's storage locations (the stop's and every candidate),
in id order, before it changes any; now every use case does so through ``lock_stock``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.api.picking_helpers import floor, scan, stock_floor
from tests.conftest import Api, Backend
from wms.inventory.orm import Item, Stock
from wms.inventory.stock import (
    Available,
    Place,
    StockLockOrderError,
    held_id,
    lock_available,
    lock_stock,
    reserve,
    unreserve,
)

# a write to stock; creating an empty row for units about to arrive (ON CONFLICT DO NOTHING) is not one
STOCK_WRITE = re.compile(r"^\s*(UPDATE stock\b|INSERT INTO stock\b(?!.*DO NOTHING))", re.IGNORECASE | re.DOTALL)
STOCK_LOCK = re.compile(r"\bFROM stock\b.*\bFOR UPDATE\b", re.IGNORECASE | re.DOTALL)


@pytest.fixture
def statements(backend: Backend) -> Iterator[list[str]]:
    seen: list[str] = []

    def capture(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(backend.engine, "before_cursor_execute", capture)
    yield seen
    event.remove(backend.engine, "before_cursor_execute", capture)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # SQLite has no row locks: writers queue
@pytest.mark.parametrize("short", ["fewer units", "nothing found"])
def test_a_short_pick_locks_the_items_stock_in_id_order_before_changing_any(
    admin: Api, backend: Backend, client: TestClient, statements: list[str], short: str
) -> None:
    f = floor(admin, backend, client, [[("TEA", 3)], [("TEA", 2)]])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    stop = pl["next_stop"]
    statements.clear()
    if short == "fewer units":
        f.picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", scan(stop, stop["quantity"] - 1, reason="not_found"))
    else:
        f.picker.post(
            f"/v1/pick-lists/{pl['id']}/short-picks",
            {
                "location": stop["location"],
                "sku": stop["sku"],
                "lot": stop["lot"],
                "reason": "not_found",
                "stop_id": stop["id"],
            },
        )
    on_stock = [st for st in statements if STOCK_WRITE.search(st) or STOCK_LOCK.search(st)]
    assert on_stock, "the short pick touched no stock row"
    first = on_stock[0]
    assert STOCK_LOCK.search(first) and "ORDER BY stock.id" in first, (
        f"the first statement on stock is not a lock in id order:\n{first}"
    )


def _stock_ids(backend: Backend, sku: str | None = None) -> list[int]:
    with Session(backend.engine) as s:
        stmt = select(Stock.id).order_by(Stock.id)
        if sku is not None:
            stmt = stmt.join(Item, Item.id == Stock.item_id).where(Item.sku == sku)
        return list(s.scalars(stmt))


def test_a_lock_below_a_row_already_held_is_refused(admin: Api, backend: Backend) -> None:
    """The rule every use case is checked against: rows only ever locked in rising id order."""
    stock_floor(admin)
    low, high = _stock_ids(backend, "TEA")  # in two storage locations
    with Session(backend.engine) as s, s.begin():
        lock_stock(s, ids=[high])
        lock_stock(s, ids=[high])  # held already: nothing new
        with pytest.raises(StockLockOrderError, match=rf"\[{low}\] locked after row {high}"):
            unreserve(s, [(low, 1)])  # a change locks its row first
        tea = s.scalar(select(Stock.item_id).where(Stock.id == low))
        assert tea is not None
        # stock freed below what is held is not offered (a receipt committed since the use case locked)
        assert [r.id for r in lock_available(s, Available((tea,)))] == [high]
    with Session(backend.engine) as s, s.begin():
        rows = lock_stock(s, ids=[high, low])  # the union first: then any order of changes is fine
        assert [r.id for r in rows] == [low, high]
        reserve(s, [(high, 1)])
        reserve(s, [(low, 1)])
        unreserve(s, [(low, 1), (high, 1)])
    with Session(backend.engine) as s, s.begin():
        lock_stock(s, ids=[low])
        lock_stock(s, ids=[high])  # upwards is fine


def test_a_row_for_units_about_to_arrive_is_created_empty_and_locked(admin: Api, backend: Backend) -> None:
    stock_floor(admin)
    before = _stock_ids(backend)
    with Session(backend.engine) as s, s.begin():
        tea = s.scalars(select(Stock).order_by(Stock.id)).first()
        assert tea is not None
        elsewhere = s.scalar(
            select(Stock.location_id).where(Stock.location_id != tea.location_id, Stock.item_id != tea.item_id)
        )
        assert elsewhere is not None
        arriving = Place(elsewhere, tea.lot_id, tea.item_id, tea.warehouse_id)
        rows = lock_stock(s, ids=[before[0]], places=[arriving])
        new = held_id(s, arriving)
        assert new > max(before) and [r.id for r in rows] == [before[0], new]
        assert next(r for r in rows if r.id == new).on_hand == 0
        assert [r.id for r in lock_stock(s, places=[arriving])] == [new]  # held: read again, no new lock
