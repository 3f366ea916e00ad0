"""``wms.bulk`` writes every value as it was given, on both databases: text with quotes, backslashes and
non-ASCII letters, JSON documents and SQL NULL, floats (NaN and the infinities too), aware datetimes, dates,
booleans; rows come back in order, and ``set_columns`` changes exactly the rows it names."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, Float, Integer, MetaData, String, Table, select

from tests.conftest import Backend
from wms.bulk import JSON_ROWS, insert_rows, set_columns
from wms.db import make_session_factory
from wms.orm import UTCDateTime

PROBE = Table(
    "bulk_probe",
    MetaData(),
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("s", String(50)),
    Column("j", JSON),
    Column("f", Float),
    Column("at", UTCDateTime),
    Column("d", Date),
    Column("b", Boolean),
    Column("n", Integer),
)

ROWS = [
    {"s": 'quote " and \\ back', "j": {"a": [1, None, "x"], "b": "é"}, "f": 1.1, "n": 1},
    {"s": "Ærøskøbing – 東京", "j": None, "f": math.nan, "n": None},
    {"s": None, "j": "just text", "f": math.inf, "n": -5},
    {"s": "", "j": [], "f": -math.inf, "n": 2**31 - 1},
    {"s": "{1,2}", "j": {"null": None}, "f": None, "n": 0},
]


@pytest.mark.parametrize("copies", [1, 1 + JSON_ROWS // len(ROWS)], ids=["few rows: JSON", "many rows: arrays"])
def test_values_are_written_as_given_in_row_order(backend: Backend, copies: int) -> None:
    PROBE.create(backend.engine)
    try:
        t0 = datetime(2026, 12, 1, 23, 59, 59, 123456, tzinfo=timezone(timedelta(hours=5)))
        rows = [
            {
                **r,
                "at": None if k % len(ROWS) == 2 else t0 + timedelta(days=k),
                "d": date(2026, 1, 1) + timedelta(days=k),
                "b": k % 2 == 0,
            }
            for k, r in enumerate(ROWS * copies)
        ]
        factory = make_session_factory(backend.engine)
        with factory() as s:
            ids = insert_rows(s, PROBE, rows, returning_ids=True)
            later = datetime(2027, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
            set_columns(
                s,
                PROBE,
                [{"id": ids[1], "n": 42, "s": "changed", "at": later}, {"id": ids[3], "n": None, "s": "x", "at": None}],
            )
            s.commit()
        with factory() as s:
            got = {r.id: r for r in s.execute(select(PROBE))}
        assert ids == sorted(ids) and len(got) == len(rows)
        for k, (id_, want) in enumerate(zip(ids, rows, strict=True)):
            row = got[id_]
            n, text, at = {1: (42, "changed", later), 3: (None, "x", None)}.get(k, (want["n"], want["s"], want["at"]))
            assert row.d == want["d"]  # each row where it belongs: the dates differ
            assert (row.s, row.j, row.n, row.d, row.b) == (text, want["j"], n, want["d"], want["b"])
            assert row.at == (None if at is None else at.astimezone(UTC))
            if want["f"] is None or not math.isnan(want["f"]):
                assert row.f == want["f"]
            elif backend.name == "sqlite":
                assert row.f is None  # SQLite keeps no NaN: it stores NULL
            else:
                assert math.isnan(row.f)
    finally:
        PROBE.drop(backend.engine)
