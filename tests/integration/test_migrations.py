"""Alembic migrations are the schema: they agree with the models, and the ledger is append-only."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.conftest import Backend
from wms.allocation.orm import ShipmentTransition
from wms.migrate import alembic_config
from wms.models import Base


def test_models_and_migrations_agree(backend: Backend) -> None:
    with backend.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_database_is_at_the_single_head(backend: Backend) -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1
    with backend.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == heads[0]


def _location_with_a_lot(conn: Connection) -> None:
    conn.execute(text("INSERT INTO warehouses (code, name, layout, created_at) VALUES ('W', 'w', '{}', '2026-01-01')"))
    conn.execute(text("INSERT INTO locations (warehouse_id, code, kind, x_m, y_m) VALUES (1, 'L', 'storage', 0, 0)"))
    conn.execute(
        text("INSERT INTO items (sku, name, min_shelf_life_days, created_at) VALUES ('S', 's', 0, '2026-01-01')")
    )
    conn.execute(text("INSERT INTO lots (item_id, code, created_at) VALUES (1, 'L1', '2026-01-01')"))


def test_ledger_rows_cannot_be_changed_or_deleted(backend: Backend) -> None:
    with backend.engine.begin() as conn:
        _location_with_a_lot(conn)
        conn.execute(
            text(
                "INSERT INTO stock_operations (kind, warehouse_id, reference, actor, at) "
                "VALUES ('receipt', 1, 'R', 't', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO stock_movements (operation_id, at, warehouse_id, location_id, item_id, lot_id, "
                "delta, reason, reference, actor) VALUES (1, '2026-01-01', 1, 1, 1, 1, 5, 'receipt', 'R', 't')"
            )
        )
    for statement in ("UPDATE stock_movements SET delta = 50", "DELETE FROM stock_movements"):
        with pytest.raises(DBAPIError, match="append-only"), backend.engine.begin() as conn:
            conn.execute(text(statement))
    with backend.engine.connect() as conn:
        assert conn.execute(text("SELECT delta FROM stock_movements")).scalars().all() == [5]


def test_stock_rows_cannot_go_negative_even_in_raw_sql(backend: Backend) -> None:
    with backend.engine.begin() as conn:
        _location_with_a_lot(conn)
        conn.execute(
            text(
                "INSERT INTO stock (warehouse_id, location_id, item_id, lot_id, on_hand, reserved) "
                "VALUES (1, 1, 1, 1, 3, 1)"
            )
        )
    for statement in ("UPDATE stock SET on_hand = -1, reserved = 0", "UPDATE stock SET reserved = 4"):
        with pytest.raises(DBAPIError), backend.engine.begin() as conn:
            conn.execute(text(statement))


def test_downgrade_and_upgrade_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    cfg = alembic_config(f"sqlite:///{tmp_path / 'm.db'}")
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")


def test_shipments_made_before_their_history_get_one_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    url = f"sqlite:///{tmp_path / 'm.db'}"
    command.upgrade(alembic_config(url), "0010")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO warehouses (code, name, layout, created_at) VALUES ('W', 'w', '{}', '2026-01-01')")
        )
        for status in ("allocated", "shipped"):
            conn.execute(
                text(
                    "INSERT INTO shipments (warehouse_id, status, merge_key, carrier, created_at) "
                    f"VALUES (1, '{status}', 'k', 'UPS', '2026-01-01')"
                )
            )
    command.upgrade(alembic_config(url), "head")
    with Session(engine) as s:
        rows = s.scalars(select(ShipmentTransition).order_by(ShipmentTransition.shipment_id)).all()
    engine.dispose()
    assert [(t.shipment_id, t.from_status, t.to_status, t.actor) for t in rows] == [
        (1, None, "allocated", "system"),
        (2, None, "shipped", "system"),
    ]
    assert all(t.at.tzinfo is not None for t in rows)
