"""Random sequences of receipts, moves, adjustments and counts (Hypothesis, stateful).

A model predicts every response; after every step the API's stock must equal
the model and the database invariants must hold (on hand = ledger sum, never
negative, reserved ≤ on hand).
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests.conftest import SMALL_LAYOUT, Api, Backend, reset_postgres
from tests.invariants import assert_stock_invariants
from wms.api.app import create_app
from wms.auth.keys import create_key
from wms.db import UnitOfWork, make_session_factory

LOCATIONS = ["RECEIVING", "A01-B001-L1-L", "A02-B011-L1-R", "A03-B020-L1-L"]
SKUS = ["A", "B"]
LOTS = ["L1", "L2", "L3"]
EXPIRIES = [None, "2027-01-01", "2027-06-30"]

locations, skus, lots, expiries = (st.sampled_from(x) for x in (LOCATIONS, SKUS, LOTS, EXPIRIES))
quantities = st.integers(1, 12)


class StockMachine(RuleBasedStateMachine):
    backend: Backend  # set by the test

    @initialize()
    def fresh_database(self) -> None:
        b = self.backend
        if b.name == "sqlite":
            b.engine.dispose()
            shutil.copy(b.template, b.path)  # type: ignore[attr-defined]
        else:
            reset_postgres(b.engine)
        self.client = TestClient(create_app(b.settings, b.engine))
        self.api = Api(self.client, create_key(UnitOfWork(make_session_factory(b.engine)), "admin")[1])
        self.api.post("/v1/warehouses", {"code": "WH1", "name": "w", "layout": SMALL_LAYOUT})
        for sku in SKUS:
            self.api.post("/v1/items", {"sku": sku, "name": sku})
        self.on_hand: dict[tuple[str, str, str], int] = defaultdict(int)
        self.expiry: dict[tuple[str, str], str | None] = {}

    def teardown(self) -> None:
        if hasattr(self, "client"):
            self.client.close()

    @rule(loc=locations, sku=skus, lot=lots, expiry=expiries, qty=quantities)
    def receive(self, loc: str, sku: str, lot: str, expiry: str | None, qty: int) -> None:
        ok = self.expiry.get((sku, lot), expiry) == expiry
        self.api.post(
            "/v1/receipts",
            {
                "warehouse": "WH1",
                "reference": "R",
                "lines": [{"sku": sku, "lot": lot, "expiry_date": expiry, "quantity": qty, "location": loc}],
            },
            expect=201 if ok else 409,
        )
        if ok:
            self.expiry[(sku, lot)] = expiry
            self.on_hand[(loc, sku, lot)] += qty

    @rule(src=locations, dst=locations, sku=skus, lot=lots, qty=quantities)
    def move(self, src: str, dst: str, sku: str, lot: str, qty: int) -> None:
        body = {"warehouse": "WH1", "sku": sku, "lot": lot, "quantity": qty, "from_location": src, "to_location": dst}
        if src == dst:
            expect = 422
        elif (sku, lot) not in self.expiry:
            expect = 404
        else:
            expect = 201 if self.on_hand[(src, sku, lot)] >= qty else 409
        self.api.post("/v1/stock/moves", body, expect=expect)
        if expect == 201:
            self.on_hand[(src, sku, lot)] -= qty
            self.on_hand[(dst, sku, lot)] += qty

    @rule(loc=locations, sku=skus, lot=lots, delta=st.integers(-12, 12).filter(bool))
    def adjust(self, loc: str, sku: str, lot: str, delta: int) -> None:
        body = {"warehouse": "WH1", "location": loc, "sku": sku, "lot": lot, "delta": delta, "reason": "correction"}
        if (sku, lot) not in self.expiry:
            expect = 404
        else:
            expect = 201 if self.on_hand[(loc, sku, lot)] + delta >= 0 else 409
        self.api.post("/v1/stock/adjustments", body, expect=expect)
        if expect == 201:
            self.on_hand[(loc, sku, lot)] += delta

    @rule(loc=locations, data=st.data())
    def count(self, loc: str, data: st.DataObject) -> None:
        known = sorted(self.expiry)
        counted = data.draw(st.dictionaries(st.sampled_from(known), st.integers(0, 15), max_size=3)) if known else {}
        count = self.api.post("/v1/cycle-counts", {"warehouse": "WH1", "location": loc})
        lines = [{"sku": s, "lot": lot, "quantity": q} for (s, lot), q in counted.items()]
        result = self.api.post(f"/v1/cycle-counts/{count['id']}/result", {"lines": lines})
        for line in result["lines"]:
            assert line["expected"] == self.on_hand[(loc, line["sku"], line["lot"])]
        self.api.post(f"/v1/cycle-counts/{count['id']}/post")
        for key in [k for k in self.on_hand if k[0] == loc]:
            self.on_hand[key] = 0
        for (sku, lot), qty in counted.items():
            self.on_hand[(loc, sku, lot)] = qty

    @invariant()
    def stock_matches_model_and_ledger(self) -> None:
        if not hasattr(self, "api"):
            return
        actual = {(r["location"], r["sku"], r["lot"]): r["on_hand"] for r in self.api.all("/v1/stock")}
        assert actual == {k: v for k, v in self.on_hand.items() if v}
        assert_stock_invariants(self.backend.engine)


def test_random_stock_operations_keep_the_invariants(backend: Backend, tmp_path: Path, request) -> None:  # type: ignore[no-untyped-def]
    if backend.name == "sqlite":
        backend.template = request.getfixturevalue("sqlite_template")  # type: ignore[attr-defined]
        backend.path = Path(backend.settings.database_url.removeprefix("sqlite:///"))  # type: ignore[attr-defined]
    examples = 40 if backend.name == "sqlite" else 20
    StockMachine.backend = backend
    run_state_machine_as_test(
        StockMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
