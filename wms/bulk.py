"""Set-based writes: many rows in one short statement, whatever their number.

On PostgreSQL a batch goes as one array per column (``INSERT … SELECT … FROM
unnest(…)``, ``UPDATE … FROM unnest(…)``), sent in binary: the statement text stays
the same size, so neither the driver nor the server parses thousands of
placeholders or escapes thousands of strings, and the server runs it once. Ids come back in row order: the rows are inserted in the
order of their position (``ORDER BY`` the ordinality) and take their ids from the
table's sequence in that order, the same guarantee SQLAlchemy's own
``sort_by_parameter_order`` relies on for PostgreSQL. SQLite, in process, takes an
executemany.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import JSON, BindParameter, CursorResult, Dialect, Table, bindparam, insert, text, update
from sqlalchemy.orm import Session


def insert_rows(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, returning_ids: bool = False
) -> list[int]:
    """Insert ``rows`` (dicts with the same keys); with ``returning_ids`` their new ids, in row order."""
    if not rows:
        return []
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        stmt = insert(table)
        if returning_ids:
            return list(session.scalars(stmt.returning(table.c.id, sort_by_parameter_order=True), rows))
        session.execute(stmt, list(rows))
        return []
    sql, columns = _insert_plan(table, tuple(rows[0]), dialect)
    params = _arrays(columns, rows)
    if not returning_ids:
        session.connection().exec_driver_sql(sql, params)
        return []
    return sorted(session.connection().exec_driver_sql(sql + " RETURNING id", params).scalars())


def add_to(
    session: Session,
    table: Table,
    column: str | tuple[str, ...],
    amounts: Sequence[tuple[int, int]],
    *,
    guard: str | None = None,
) -> int:
    """``column += amount`` for each (id, amount) (each of several columns, given a tuple); ``guard`` (SQL
    over the table's columns, ``{amount}`` standing for the amount) must hold for a row to change. Returns
    how many rows changed."""
    if not amounts:
        return 0
    columns = (column,) if isinstance(column, str) else column
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        amount: BindParameter[int] = bindparam("amount")
        stmt = update(table).where(table.c.id == bindparam("row_id")).values({c: table.c[c] + amount for c in columns})
        if guard is not None:
            stmt = stmt.where(text(guard.format(amount=":amount")))
        rows = [{"row_id": i, "amount": a} for i, a in amounts]
        if dialect.supports_sane_multi_rowcount:
            return cast(CursorResult[Any], session.execute(stmt, rows)).rowcount
        return sum(cast(CursorResult[Any], session.execute(stmt, row)).rowcount for row in rows)
    where = f" AND ({guard.format(amount='v.amount')})" if guard else ""
    changes = ", ".join(f'"{c}" = "{table.name}"."{c}" + v.amount' for c in columns)
    sql = (
        f'UPDATE "{table.name}" SET {changes} '
        f"FROM unnest(CAST(%(ids)b AS BIGINT[]), CAST(%(amounts)b AS BIGINT[])) AS v(row_id, amount) "
        f'WHERE "{table.name}".id = v.row_id{where}'
    )
    params = {"ids": [i for i, _ in amounts], "amounts": [a for _, a in amounts]}
    return session.connection().exec_driver_sql(sql, params).rowcount


_Column = tuple[str, bool, Callable[[Any], Any] | None]  # name, JSON?, the type's bind processor


@lru_cache(maxsize=512)
def _insert_plan(table: Table, names: tuple[str, ...], dialect: Dialect) -> tuple[str, tuple[_Column, ...]]:
    """The INSERT of ``names`` into ``table`` from one array per column, and how each column's values bind:
    made once per table, columns and dialect (type compilation and bind processors cost per call)."""
    columns: list[_Column] = []
    arrays: list[str] = []
    for n, name in enumerate(names):
        col = table.c[name]
        if isinstance(col.type, JSON):
            columns.append((name, True, None))
            sql_type = "JSON"
        else:
            columns.append((name, False, col.type.bind_processor(dialect)))
            sql_type = col.type.compile(dialect=dialect)
        arrays.append(f"CAST(%(p{n})b AS {sql_type}[])")
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = (
        f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} FROM unnest({", ".join(arrays)}) '
        f"WITH ORDINALITY AS u({quoted}, ordinal) ORDER BY ordinal"
    )
    return sql, tuple(columns)


def _arrays(columns: Sequence[_Column], rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """One parameter per column: its values as the column's type binds them."""
    params: dict[str, list[Any]] = {}
    for n, (name, is_json, process) in enumerate(columns):
        values = [r[name] for r in rows]
        if is_json:
            values = [None if v is None else json.dumps(v) for v in values]
        elif process is not None:
            values = [process(v) for v in values]
        params[f"p{n}"] = values
    return params
