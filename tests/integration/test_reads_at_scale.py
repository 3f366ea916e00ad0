"""What a request reads does not grow with the day: on PostgreSQL, with 20,000 shipments, shipment lines,
pick-list stops, locations and stock rows in the tables (statistics taken, in a database of this module's own), the statements of the day's frequent requests read a handful of
rows of each, not the table. Each statement the work sends is run again under ``EXPLAIN ANALYZE`` (in a
transaction rolled back) and the rows every plan node read from a table are added up: rows returned plus rows
its filter removed, times its loops. A sequential scan, or an index walked in full with a filter, counts every
row it passed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session

from tests.conftest import RUN, own_pg_database
from wms.allocation.allocate import Demand, lock_for_reallocation
from wms.allocation.orm import Shipment
from wms.bulk import set_columns
from wms.config import Settings
from wms.db import make_engine
from wms.picking.handheld import mark_picked_where_complete
from wms.views.shipments import shipment_summaries
from wms.views.stock import stock

N = 20_000
RELEASED = 5_000  # the one released shipment (its stop is open); 7,000 and 7,001 are allocated


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """A PostgreSQL database of this module's own (other tests on this worker empty the shared one between
    these) with N rows in each table read below (foreign keys not checked while filling: the rows only need to
    be there)."""
    with own_pg_database(f"wms_test_{RUN}_scale") as url:
        engine = make_engine(Settings(database_url=url))
        try:
            _fill(engine)
            yield engine
        finally:
            engine.dispose()


def _fill(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(
            text("INSERT INTO warehouses (id, code, name, layout, created_at) VALUES (1, 'WH1', 'w', '{}', now())")
        )
        conn.execute(
            text(
                "INSERT INTO shipments (id, warehouse_id, status, merge_key, carrier, created_at) "
                "SELECT g, 1, CASE WHEN g = :released THEN 'released' WHEN g IN (7000, 7001) THEN 'allocated' "
                "WHEN g > :n - 600 THEN 'picked' ELSE 'shipped' END, md5(g::text), 'dhl', now() "
                "FROM generate_series(1, :n) g"
            ),
            {"n": N, "released": RELEASED},
        )
        conn.execute(
            text(
                "INSERT INTO pick_list_stops (id, pick_list_id, seq, shipment_id, order_id, location_id, item_id, "
                "lot_id, quantity, status) SELECT g, g / 10 + 1, g % 10, g, g, g, 1, 1, 1, "
                "CASE WHEN g = :released THEN 'open' ELSE 'picked' END FROM generate_series(1, :n) g"
            ),
            {"n": N, "released": RELEASED},
        )
        conn.execute(
            text(
                "INSERT INTO shipment_lines (id, shipment_id, order_id, order_line_id, item_id, quantity) "
                "SELECT g, g, g, g, 1, 2 FROM generate_series(1, :n) g"
            ),
            {"n": N},
        )
        conn.execute(
            text(
                "INSERT INTO locations (id, warehouse_id, code, kind, x_m, y_m) "
                "SELECT g, 1, 'L-' || g, 'storage', 0, 0 FROM generate_series(1, :n) g"
            ),
            {"n": N},
        )
        conn.execute(
            text(
                "INSERT INTO stock (id, warehouse_id, location_id, item_id, lot_id, on_hand, reserved) "
                "SELECT g, 1, g, 1, g, 1, 0 FROM generate_series(1, :n) g"
            ),
            {"n": N},
        )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def rows_read(engine: Engine, work: Callable[[Session], Any]) -> Counter[str]:
    """Rows of each table the statements of ``work`` read (see the module); nothing it does is kept."""
    sent: list[tuple[str, Any]] = []

    def grab(conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "WITH", "UPDATE", "INSERT", "DELETE"):
            sent.append((statement, parameters))

    read: Counter[str] = Counter()
    with engine.connect() as conn:
        conn.begin()
        event.listen(engine, "before_cursor_execute", grab)
        try:
            with Session(bind=conn, join_transaction_mode="rollback_only") as session:
                work(session)
                session.flush()
        finally:
            event.remove(engine, "before_cursor_execute", grab)
            conn.rollback()
        assert sent, "the work sent no statement"
        with conn.begin() as replay:
            for statement, parameters in sent:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters).scalar()
                _add(read, plan[0]["Plan"])
            replay.rollback()
    return read


def _add(read: Counter[str], node: dict[str, Any]) -> None:
    """Rows a node passed (see the module) under its table's name, and the buffers it touched itself (not its
    children's) under ``"<table> blocks"``: an index walked in full skips entries without counting them as
    rows, but not without touching its pages."""
    children = node.get("Plans", [])
    if "Relation Name" in node:
        table = node["Relation Name"]
        passed = (
            node["Actual Rows"] + node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
        )
        read[table] += int(passed * node["Actual Loops"])
        blocks = node["Shared Hit Blocks"] + node["Shared Read Blocks"]
        read[f"{table} blocks"] += blocks - sum(c["Shared Hit Blocks"] + c["Shared Read Blocks"] for c in children)
    for child in children:
        _add(read, child)


def test_a_shipments_change_reads_that_shipment_only(engine: Engine) -> None:
    read = rows_read(engine, lambda s: set_columns(s, Shipment.__table__, [{"id": 12_345, "status": "packed"}]))
    assert read["shipments"] <= 2, read


def test_the_packing_queue_reads_what_waits_not_every_shipment(engine: Engine) -> None:
    got: list[Any] = []
    read = rows_read(
        engine,
        lambda s: got.extend(
            shipment_summaries(s, warehouse="WH1", status="picked", wave_id=None, after_id=0, limit=100)
        ),
    )
    assert len(got) == 101  # a page (and whether there is more), of the 600 newest
    assert {(row["orders"], row["units"]) for _, row in got} == {(1, 2)}
    assert read["shipments"] <= 2 * len(got) and read["shipments blocks"] <= 20, read
    assert read["shipment_lines"] <= 2 * len(got), read  # the page's lines, not every line before it


def test_locking_an_order_for_reallocation_reads_its_own_and_its_merge_keys_shipments(engine: Engine) -> None:
    with engine.connect() as conn:
        key = conn.scalar(text("SELECT md5('7001')"))
    order = Demand(order_id=7_000, paid=True, merge_key=key, carrier="dhl", ship_date=date.today(), lines=())
    read = rows_read(engine, lambda s: lock_for_reallocation(s, order))
    assert read["shipments"] <= 4, read


def test_a_carts_delivery_reads_the_stops_of_its_shipments_only(engine: Engine) -> None:
    read = rows_read(engine, lambda s: mark_picked_where_complete(s, [RELEASED]))
    assert read["pick_list_stops"] <= 2 and read["pick_list_stops blocks"] <= 10, read
    assert read["shipments"] <= 2, read


def test_stock_at_a_location_reads_that_location(engine: Engine) -> None:
    got: list[Any] = []
    read = rows_read(
        engine,
        lambda s: got.extend(
            stock(
                SimpleNamespace(session=s),  # type: ignore[arg-type]
                warehouse="WH1",
                sku=None,
                location="L-777",
                lot=None,
                after_id=0,
                limit=50,
            )
        ),
    )
    assert read["locations"] <= 2, read
