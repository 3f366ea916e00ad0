"""``wms.precompiled``: a statement SQLAlchemy cannot cache, compiled once, runs as SQLAlchemy would run it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, bindparam, create_engine, insert, select

from wms.precompiled import Precompiled

META = MetaData()
T = Table("t", META, Column("id", Integer, primary_key=True), Column("a", Integer), Column("at", DateTime))


def _two_rows(dialect: str) -> object:
    return insert(T).values([{"a": bindparam("a0", type_=Integer)}, {"a": bindparam("a1", type_=Integer)}])


def test_a_multi_row_insert_is_not_cached_by_sqlalchemy_so_it_is_compiled_once_here() -> None:
    assert _two_rows("sqlite")._generate_cache_key() is None  # type: ignore[attr-defined]
    engine = create_engine("sqlite://")
    META.create_all(engine)
    statement = Precompiled(_two_rows)  # type: ignore[arg-type]
    with engine.begin() as db:
        for n in range(3):
            statement.execute(db, {"a0": 10 * n, "a1": 10 * n + 1})
        assert list(db.execute(select(T.c.a).order_by(T.c.id)).scalars()) == [0, 1, 10, 11, 20, 21]
    assert list(statement._compiled) == ["sqlite"]


def test_a_statement_whose_parameters_need_processing_is_refused() -> None:
    engine = create_engine("sqlite://")  # SQLite stores a datetime as text: SQLAlchemy converts it
    META.create_all(engine)
    statement = Precompiled(lambda _: insert(T).values([{"at": bindparam("at0", type_=DateTime)}] * 2))
    with engine.begin() as db, pytest.raises(TypeError, match="need no processing"):
        statement.execute(db, {"at0": datetime.now(UTC)})
