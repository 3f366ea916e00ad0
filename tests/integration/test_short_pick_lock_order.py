"""A short pick takes its stock locks in one order (by id), as allocation does, so the two cannot deadlock.

Found by ``benchmarks/test_soak_mixed.py`` on PostgreSQL: every one of 86 deadlocks in a 60 s soak on
hot SKUs had a short pick's re-allocation in its cycle. The short pick changed the stop's stock row
first and then locked the item's FEFO candidates elsewhere in id order, while allocations of the
same item locked those candidates (the stop's row among them) in id order. Each deadlock cost the
database's deadlock timeout (1 s) and a retry (p99 of a short pick 13.7 s). Now a short confirmation
locks the item's stock rows in the warehouse's storage locations (the stop's and every candidate),
in id order, before it changes any.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.api.picking_helpers import floor, scan
from tests.conftest import Api, Backend

STOCK_WRITE = re.compile(r"^\s*(UPDATE stock\b|INSERT INTO stock\b)", re.IGNORECASE)
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
    assert STOCK_LOCK.search(first) and "ORDER BY stock.id" in first and "stock.location_id !=" not in first, (
        f"the first statement on stock is not the lock of the item's storage rows in id order:\n{first}"
    )
