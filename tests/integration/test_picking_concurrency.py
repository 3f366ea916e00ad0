"""Many pickers claiming and confirming at once through a real server, with retries and double scans.

No pick list is claimed twice, no stop is confirmed twice, and no stock is lost or made.
"""

from __future__ import annotations

import random
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.api.orders_helpers import order_body
from tests.api.picking_helpers import floor, scan, stock_floor
from tests.conftest import Api, Backend, make_token
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from tests.live_server import live_server
from wms.api.app import create_app
from wms.errors import Conflict
from wms.picking.commands import Confirm
from wms.picking.confirm import _match
from wms.picking.handheld import locked
from wms.picking.orm import PickList

PICKERS = 8


def _plan(backend: Backend) -> dict:
    with TestClient(create_app(backend.settings, backend.engine)) as client:
        admin = Api(client, make_token(backend, "admin"))
        stock_floor(admin)
        for k in range(24):
            lines = [("TEA", 1 + k % 2)] + ([("MILK", 1 + k % 3)] if k % 3 else [])
            admin.post("/v1/orders", order_body(*lines, customer=f"C{k}"))
        return admin.post("/v1/waves", {"warehouse": "WH1", "cart": {"max_orders": 2}})


def _picker_run(base: str, token: str, seed: int) -> list[tuple[int, int, str]]:
    """Claim and pick until there is no work; every confirmation is sent twice at once (a retry with the same
    Idempotency-Key, or a second scan without one: exactly one of those confirms) and once more later."""
    rng = random.Random(seed)
    log: list[tuple[int, int, str]] = []  # (pick list, stop, outcome)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as c, ThreadPoolExecutor(2) as twin:
        while True:
            r = c.post("/v1/pick-lists/claim", json={"warehouse": "WH1"})
            if r.status_code == 204:
                return log
            assert r.status_code == 200, r.text
            pl = r.json()
            while pl["next_stop"] is not None:
                stop = pl["next_stop"]
                short = stop["quantity"] > 1 and rng.random() < 0.3
                body = {
                    "location": stop["location"],
                    "sku": stop["sku"],
                    "lot": stop["lot"],
                    "stop_id": stop["id"],
                    "quantity": stop["quantity"] - 1 if short else stop["quantity"],
                }
                if short:
                    body["reason"] = "not_found"
                key = {"Idempotency-Key": f"{token[-8:]}-{stop['id']}"}
                retry = rng.random() < 0.5  # a retry with the same key; else two scans, the second without one
                answers = list(
                    twin.map(
                        lambda i: c.post(
                            f"/v1/pick-lists/{pl['id']}/confirmations", json=body, headers=key if retry or i else {}
                        ),
                        range(2),
                    )
                )
                codes = sorted(a.status_code for a in answers)
                assert codes in (([201, 201], [201, 409]) if retry else ([201, 409],)), [a.text for a in answers]
                again = c.post(f"/v1/pick-lists/{pl['id']}/confirmations", json=body)  # a double scan, no key
                assert again.status_code == 409 and again.json()["error"]["code"] == "stop_already_confirmed"
                log.append((pl["id"], stop["id"], "short" if short else "picked"))
                pl = c.get(f"/v1/pick-lists/{pl['id']}").json()
            r = c.post(f"/v1/pick-lists/{pl['id']}/deliver", json={"location": "PACKING"})
            assert r.status_code == 200, r.text


def test_many_pickers_at_once_never_share_a_list_or_pick_twice(backend: Backend) -> None:
    wave = _plan(backend)
    tokens = [make_token(backend, "picker", "WH1") for _ in range(PICKERS)]
    with live_server(backend.settings, backend.engine) as base, ThreadPoolExecutor(PICKERS) as pool:
        runs = list(pool.map(lambda i: _picker_run(base, tokens[i], i), range(PICKERS)))
    worked_by: dict[int, set[int]] = defaultdict(set)
    confirmed = [stop for run in runs for _, stop, _ in run]
    for k, run in enumerate(runs):
        for pick_list, _, _ in run:
            worked_by[pick_list].add(k)
    assert all(len(who) == 1 for who in worked_by.values()), worked_by  # never two pickers on one list
    assert len(confirmed) == len(set(confirmed))  # every stop confirmed by one request only
    with backend.engine.connect() as conn:
        lists = conn.execute(text("SELECT id, status FROM pick_lists")).all()
        stops = conn.execute(text("SELECT id, pick_list_id, status, picked_quantity FROM pick_list_stops")).all()
        moved = dict(
            conn.execute(
                text(
                    "SELECT reference, sum(delta) FROM stock_movements WHERE reason = 'pick' AND delta > 0 "
                    "GROUP BY reference"
                )
            ).all()
        )
    assert {pl.id for pl in lists} == {pl["id"] for pl in wave["pick_lists"]} == set(worked_by)
    assert {pl.status for pl in lists} == {"delivered"}
    assert {st.status for st in stops} <= {"picked", "short"} and len(stops) == len(confirmed)
    picked: dict[int, int] = defaultdict(int)
    for st in stops:
        picked[st.pick_list_id] += st.picked_quantity
    assert {f"PICKLIST-{k}": v for k, v in picked.items() if v} == moved  # each unit moved to a cart once
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # SQLite: the open session would hold the writer
def test_a_confirmation_reads_its_stop_again_once_it_holds_the_pick_list(backend: Backend) -> None:
    """A confirmation first looks at its stop without a lock (is it short?), then locks the pick list and
    matches again: that second read must see what another confirmation committed meanwhile, not the
    session's copy from the first look (else a stop would be confirmed twice)."""
    with TestClient(create_app(backend.settings, backend.engine)) as client:
        admin = Api(client, make_token(backend, "admin"))
        f = floor(admin, backend, client, [[("TEA", 2)]])
        pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
        cmd = Confirm(**scan(pl["next_stop"]))
        with Session(backend.engine) as s:
            assert _match(s, s.get_one(PickList, pl["id"]), cmd).status == "open"  # the first look
            # another request confirms meanwhile (this transaction, read committed, sees it from its next statement)
            f.picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", scan(pl["next_stop"]))
            again = locked(s, pl["id"])
            assert again.status == "picked"
            with pytest.raises(Conflict) as refused:
                _match(s, again, cmd)
            assert refused.value.code in ("stop_already_confirmed", "pick_list_done")
