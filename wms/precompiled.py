"""Statements SQLAlchemy cannot cache, compiled once per database and sent as the driver's own SQL.

SQLAlchemy caches a statement's compiled form by its structure, but not a multi-row ``VALUES`` (an
``INSERT`` of several rows given as values, or a ``values()`` construct): such a statement is compiled
again at every execution (the engine log says ``[no key …]``), about a millisecond of Python each time. On a
hot path (a scan's stock move) that is worth avoiding: ``Precompiled`` compiles it once per dialect and
executes the SQL text with ``exec_driver_sql``. That skips SQLAlchemy's per-parameter type processing, so it
is only for statements whose parameters need none (integers, strings); it refuses others when compiled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import Connection, CursorResult
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class Precompiled:
    """``build(dialect_name)`` compiled once per dialect; ``execute`` runs it with named parameters."""

    def __init__(self, build: Callable[[str], ClauseElement]) -> None:
        self._build = build
        self._compiled: dict[str, tuple[str, list[str] | None, dict[str, Any]]] = {}

    def execute(self, db: Connection, params: Mapping[str, Any]) -> CursorResult[Any]:
        sql, positions, defaults = self._compiled.get(db.dialect.name) or self._compile(db)
        values = {**defaults, **params}
        if positions is None:
            return db.exec_driver_sql(sql, values)
        return db.exec_driver_sql(sql, tuple(values[name] for name in positions))

    def _compile(self, db: Connection) -> tuple[str, list[str] | None, dict[str, Any]]:
        compiled = cast(SQLCompiler, self._build(db.dialect.name).compile(dialect=db.dialect))
        if compiled._bind_processors or compiled.escaped_bind_names:
            raise TypeError("Precompiled takes statements whose parameters need no processing")
        positions = list(compiled.positiontup) if compiled.positiontup is not None else None
        entry = (compiled.string, positions, dict(compiled.params))
        self._compiled[db.dialect.name] = entry
        return entry
