"""Set-based writes: many rows in one short statement, whatever their number.

On PostgreSQL the rows go as a table source: one JSON text of all of them read by
``json_to_recordset`` for a few rows, one binary array per column and ``unnest`` for many
(``_unnest_plan``): ``INSERT … SELECT … FROM …``, ``UPDATE … FROM …``. The statement text stays
the same size, so neither the driver nor the server parses thousands of placeholders, and the
server runs it once. Ids come back in row order: the rows are inserted in the order of their
position (``ORDER BY`` the ordinality) and take their ids from the table's sequence in that
order, the same guarantee SQLAlchemy's own ``sort_by_parameter_order`` relies on for
PostgreSQL. SQLite, in process, takes an executemany.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import JSON, BindParameter, CursorResult, Dialect, Float, Table, bindparam, insert, text, update
from sqlalchemy.orm import Session


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    returning_ids: bool = False,
    also_set: tuple[Table, Sequence[Mapping[str, Any]]] | None = None,
) -> list[int]:
    """Insert ``rows`` (dicts with the same keys); with ``returning_ids`` their new ids, in row order.
    ``also_set=(other, changes)`` also runs ``set_columns(other, changes)``, in the same statement on PostgreSQL."""
    if also_set is not None and not also_set[1]:
        also_set = None
    if not rows:
        if also_set is not None:
            set_columns(session, *also_set)
        return []
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        if also_set is not None:
            set_columns(session, *also_set)
        stmt = insert(table)
        if returning_ids:
            return list(session.scalars(stmt.returning(table.c.id, sort_by_parameter_order=True), rows))
        session.execute(stmt, list(rows))
        return []
    wide = _wide(rows)
    sql, columns = _insert_plan(table, tuple(rows[0]), dialect, wide)
    params = _arrays(columns, rows, wide=wide)
    if also_set is not None:
        other, changes = also_set
        update_sql, update_columns = _set_plan(other, tuple(changes[0]), dialect, "s", _wide(changes))
        sql = f"WITH changed AS ({update_sql}) {sql}"
        params |= _set_params(update_columns, changes, "s")
    if not returning_ids:
        session.connection().exec_driver_sql(sql, params)
        return []
    return sorted(session.connection().exec_driver_sql(sql + " RETURNING id", params).scalars())


def set_columns(session: Session, table: Table, changes: Sequence[Mapping[str, Any]]) -> None:
    """Per row of ``table`` named by its ``id``, set the other columns each of ``changes`` gives (dicts with the
    same keys, ``id`` among them): one statement for all rows."""
    if not changes:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        names = [n for n in changes[0] if n != "id"]
        stmt = update(table).where(table.c.id == bindparam("row_id")).values({n: bindparam(f"v_{n}") for n in names})
        session.execute(stmt, [{"row_id": c["id"], **{f"v_{n}": c[n] for n in names}} for c in changes])
        return
    sql, columns = _set_plan(table, tuple(changes[0]), dialect, "s", _wide(changes))
    session.connection().exec_driver_sql(sql, _set_params(columns, changes, "s"))


def insert_family(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    child_table: Table,
    children: Sequence[Mapping[str, Any]],
    *,
    link: str,
) -> tuple[list[int], list[int]]:
    """Insert ``rows`` and their ``children``, each child naming its parent by position in ``rows`` (0, 1, …)
    in its column ``link``, which is given the parent's id; returns the new ids of both, in row order. On
    PostgreSQL one statement (data-modifying ``WITH``s); elsewhere two."""
    if not rows:
        return [], []
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or not children:
        parent_ids = insert_rows(session, table, rows, returning_ids=True)
        linked = [{**c, link: parent_ids[c[link]]} for c in children]
        return parent_ids, insert_rows(session, child_table, linked, returning_ids=True)
    wide = _wide(rows) or _wide(children)
    sql, columns, child_columns = _family_plan(
        table, tuple(rows[0]), child_table, tuple(children[0]), link, dialect, wide
    )
    params = {**_arrays(columns, rows, wide=wide), **_arrays(child_columns, children, prefix="c", wide=wide)}
    ids: list[int] = []
    child_ids: list[int] = []
    for is_child, id_ in session.connection().exec_driver_sql(sql, params):
        (child_ids if is_child else ids).append(id_)
    return sorted(ids), sorted(child_ids)


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


def insert_numbered(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, column: str, counter: str
) -> None:
    """PostgreSQL: insert ``rows`` with ``column`` numbered ``last - len(rows) + 1`` … ``last`` in row order,
    where ``counter`` is a statement (SQL text taking ``%(n)s``, the number of rows) that advances a counter by
    ``n`` and returns its new value as ``last``: both in one statement (a data-modifying ``WITH``)."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    wide = _wide(rows)
    sql, columns = _numbered_plan(table, tuple(rows[0]), column, counter, dialect, wide)
    session.connection().exec_driver_sql(sql, {"n": len(rows), **_arrays(columns, rows, wide=wide)})


@lru_cache(maxsize=64)
def _numbered_plan(
    table: Table, names: tuple[str, ...], column: str, counter: str, dialect: Dialect, wide: bool
) -> tuple[str, tuple[_Column, ...]]:
    source, columns = _unnest_plan(table, names, dialect, "p", wide)
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = (
        f'WITH c AS ({counter}) INSERT INTO "{table.name}" ("{column}", {quoted}) '
        f"SELECT c.last - %(n)s + u.ordinal, {', '.join(f'u.{q}' for q in quoted.split(', '))} "
        f"FROM c, {source} WITH ORDINALITY AS u({quoted}, ordinal) ORDER BY u.ordinal"
    )
    return sql, columns


@lru_cache(maxsize=512)
def _insert_plan(table: Table, names: tuple[str, ...], dialect: Dialect, wide: bool) -> tuple[str, tuple[_Column, ...]]:
    """The INSERT of ``names`` into ``table`` from ``_unnest_plan``'s source, and how each column's values bind:
    made once per table, columns, dialect and width (type compilation and bind processors cost per call)."""
    source, columns = _unnest_plan(table, names, dialect, "p", wide)
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = (
        f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} FROM {source} '
        f"WITH ORDINALITY AS u({quoted}, ordinal) ORDER BY ordinal"
    )
    return sql, columns


@lru_cache(maxsize=64)
def _set_plan(
    table: Table, names: tuple[str, ...], dialect: Dialect, prefix: str, wide: bool
) -> tuple[str, tuple[_Column, ...]]:
    source, columns = _unnest_plan(table, names, dialect, prefix, wide)
    quoted = ", ".join(f'"{n}"' for n in names)
    changes = ", ".join(f'"{n}" = v."{n}"' for n in names if n != "id")
    # the ids again as an array: the planner takes a table source for 100 rows (json_to_recordset) or 10
    # (unnest), and for a few hundred to tens of thousands of rows in the table chose to hash-join it with the
    # whole table; ``id = ANY(ids)`` reads only the rows changed, through the primary key, at any size
    sql = (
        f'UPDATE "{table.name}" SET {changes} FROM {source} AS v({quoted}) '
        f'WHERE "{table.name}".id = v.id AND "{table.name}".id = ANY(CAST(%({prefix}_ids)s AS BIGINT[]))'
    )
    return sql, columns


def _set_params(columns: Sequence[_Column], changes: Sequence[Mapping[str, Any]], prefix: str) -> dict[str, Any]:
    """The parameters of ``_set_plan``'s statement for ``changes``."""
    return _arrays(columns, changes, prefix=prefix, wide=_wide(changes)) | {f"{prefix}_ids": [c["id"] for c in changes]}


@lru_cache(maxsize=64)
def _family_plan(
    table: Table,
    names: tuple[str, ...],
    child_table: Table,
    child_names: tuple[str, ...],
    link: str,
    dialect: Dialect,
    wide: bool,
) -> tuple[str, tuple[_Column, ...], tuple[_Column, ...]]:
    parents, columns = _insert_plan(table, names, dialect, wide)
    source, child_columns = _unnest_plan(child_table, child_names, dialect, "c", wide)
    quoted = [f'"{n}"' for n in child_names]
    picked = ", ".join("p.id" if n == link else f"u.{q}" for n, q in zip(child_names, quoted, strict=True))
    sql = (
        f"WITH ins AS ({parents} RETURNING id), "
        "p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM ins), "
        f'kids AS (INSERT INTO "{child_table.name}" ({", ".join(quoted)}) SELECT {picked} '
        f'FROM {source} WITH ORDINALITY AS u({", ".join(quoted)}, ordinal) JOIN p ON p.k = u."{link}" '
        "ORDER BY u.ordinal RETURNING id) "
        "SELECT false, id FROM ins UNION ALL SELECT true, id FROM kids"
    )
    return sql, columns, child_columns


JSON_ROWS = 50  # statements of up to so many rows send them as one JSON text, bigger ones as arrays


def _wide(rows: Sequence[object]) -> bool:
    return len(rows) > JSON_ROWS


def _unnest_plan(
    table: Table, names: tuple[str, ...], dialect: Dialect, prefix: str, wide: bool
) -> tuple[str, tuple[_Column, ...]]:
    """The rows of ``names`` as a table source, and how each column's values bind (``_arrays``): ``wide``, one
    binary array per column (parameters ``{prefix}0``, ``{prefix}1``, …) and ``unnest``; else one JSON text
    of all the rows (parameter ``{prefix}``) and ``json_to_recordset``, each column read as its SQL type.

    The driver encodes an array element by element in Python; the JSON text is encoded in C. For a statement
    of a few rows (a single order's push) the JSON costs the client less than half as much and the server no
    more; for hundreds of rows the arrays are cheaper on the server (measured, ``benchmarks/RESULTS.md``)."""
    columns: list[_Column] = []
    types: list[str] = []
    for name in names:
        col = table.c[name]
        if isinstance(col.type, JSON):
            columns.append((name, True, None))
            types.append("JSON")
            continue
        process: Callable[[Any], Any] | None = col.type.bind_processor(dialect)
        if isinstance(col.type, Float) and not wide:
            process = _finite if process is None else _then_finite(process)
        columns.append((name, False, process))
        types.append(col.type.compile(dialect=dialect))
    if wide:
        arrays = ", ".join(f"CAST(%({prefix}{n})b AS {t}[])" for n, t in enumerate(types))
        return f"unnest({arrays})", tuple(columns)
    defined = ", ".join(f'"{name}" {t}' for name, t in zip(names, types, strict=True))
    return f"ROWS FROM (json_to_recordset(CAST(%({prefix})s AS JSON)) AS ({defined}))", tuple(columns)


def _arrays(
    columns: Sequence[_Column], rows: Sequence[Mapping[str, Any]], *, prefix: str = "p", wide: bool
) -> dict[str, Any]:
    """The parameters of ``_unnest_plan``'s source for ``rows``: the values as their columns' types bind them."""
    if wide:
        params: dict[str, Any] = {}
        for n, (name, is_json, process) in enumerate(columns):
            values = [r[name] for r in rows]
            if is_json:
                values = [None if v is None else json.dumps(v) for v in values]
            elif process is not None:
                values = [process(v) for v in values]
            params[f"{prefix}{n}"] = values
        return params
    names = [name for name, _, _ in columns]
    records = [{n: r[n] for n in names} for r in rows]
    for name, _, process in columns:
        if process is not None:
            for record in records:
                record[name] = process(record[name])
    return {prefix: _ENCODE(records)}


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be written in bulk")


_ENCODE = json.JSONEncoder(default=_plain, allow_nan=False, separators=(",", ":")).encode


def _finite(value: Any) -> Any:
    """A float as JSON can carry it: NaN and the infinities as text, which PostgreSQL reads as a float too."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).replace("inf", "Infinity").replace("nan", "NaN")
    return value


def _then_finite(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: _finite(process(value))
