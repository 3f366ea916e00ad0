"""Reading unique violations when the database says less than usual."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

from sqlalchemy.exc import IntegrityError

from wms.uniques import duplicate_of


def _sqlite(message: str, statement: str = "INSERT INTO t (a) VALUES (?)", params: object = ("x",)) -> IntegrityError:
    orig = sqlite3.IntegrityError(message)
    orig.sqlite_errorname = "SQLITE_CONSTRAINT_UNIQUE"
    return IntegrityError(statement, params, orig)


def _postgres(detail: str | None, table: str, params: object = None) -> IntegrityError:
    orig = Exception("duplicate key value violates unique constraint")
    orig.sqlstate = "23505"  # type: ignore[attr-defined]
    orig.diag = SimpleNamespace(message_detail=detail, table_name=table, constraint_name="uq")  # type: ignore[attr-defined]
    return IntegrityError("INSERT INTO ...", params, orig)


def test_values_come_from_the_inserted_row() -> None:
    dup = duplicate_of(
        _sqlite("UNIQUE constraint failed: items.sku", "INSERT INTO items (name, sku) VALUES (?, ?)", ("Milk", "MILK"))
    )
    assert dup is not None and (dup.code, dup.message) == ("item_exists", "item MILK exists already")


def test_several_rows_name_the_columns_only() -> None:
    dup = duplicate_of(
        _sqlite(
            "UNIQUE constraint failed: locations.warehouse_id, locations.code",
            "INSERT INTO locations (warehouse_id, code) VALUES (?, ?)",
            [(1, "A"), (1, "A")],
        )
    )
    assert dup is not None and dup.code == "already_exists"
    assert (dup.message, dup.details) == ("locations with warehouse_id, code exists already", {"resource": "locations"})


def test_an_index_on_an_expression_is_still_a_conflict() -> None:
    dup = duplicate_of(_sqlite("UNIQUE constraint failed: index 'ix_lower_sku'"))
    assert dup is not None and (dup.code, dup.message) == ("already_exists", "a row with these values exists already")


def test_postgres_detail_gives_the_values_when_the_parameters_do_not() -> None:
    dup = duplicate_of(_postgres("Key (code)=(WH, 1) already exists.", "warehouses"))
    assert dup is not None and dup.details == {"resource": "warehouse", "code": "WH, 1"}
    dup = duplicate_of(_postgres(None, "items"))
    assert dup is not None and dup.message == "items with these values exists already"


def test_secrets_are_not_repeated() -> None:
    dup = duplicate_of(_postgres("Key (token_hash)=(abc) already exists.", "api_keys", {"token_hash": "abc"}))
    assert dup is not None and "abc" not in dup.message and dup.details == {"resource": "api_keys"}


def test_other_integrity_errors_are_not_duplicates() -> None:
    orig = sqlite3.IntegrityError("FOREIGN KEY constraint failed")
    orig.sqlite_errorname = "SQLITE_CONSTRAINT_FOREIGNKEY"
    assert duplicate_of(IntegrityError("INSERT", (), orig)) is None
