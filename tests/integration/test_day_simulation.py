"""A tiny warehouse day through the simulator of ``benchmarks/day.py``: a live ``wms serve`` (one API process)
on its own PostgreSQL database, ERP, planner, pickers and packers over HTTP, then the invariants in the
database. What is asserted is behaviour (nothing lost, nothing twice, stock consistent), not timings."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.day import parser, run_day

pytestmark = pytest.mark.postgres


def test_tiny_day_keeps_every_order_and_the_invariants(tmp_path: Path) -> None:
    args = parser().parse_args(["--orders", "60", "--seed", "3", "--workers", "1", "--pickers", "3", "--packers", "2"])
    figures = run_day(args, log_dir=tmp_path)

    invariants = figures["invariants"]
    assert invariants["ok"], invariants
    statuses = invariants["order_status"]
    assert sum(statuses.values()) == 60  # every order once (checked one by one in "every_order_in_db_once")
    assert figures["pushed"].get("created") == 60
    # the day went through every stage: waves were planned, picked, packed and shipped
    assert figures["waves"]["count"] >= 1 and figures["waves"]["orders"] >= 1
    assert figures["counts"]["confirmed"] > 0
    assert figures["counts"]["shipped"] > 0 and statuses.get("shipped", 0) > 0
    # what was released into a wave and not left short is shipped by the end of the day
    assert figures["counts"].get("pack_or_ship_refused", 0) == 0
    for stage in ("intake", "waves", "picking", "packing", "counting"):
        endpoints = figures["stages"][stage]["endpoints"]
        assert endpoints["ALL"]["5xx"] == 0 and endpoints["ALL"]["no_answer"] == 0, (stage, endpoints["ALL"])
