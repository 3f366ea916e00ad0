"""A confirmation's statement budget: a plain pick (the stop's lot, all its units) is one transaction of at
most 8 statements, its Idempotency-Key and answer included, and one commit; before it only the token and the
warehouse scope are read. Counted with SQLAlchemy's ``before_cursor_execute`` on the engine, per transaction
(transaction control, SQLite's ``BEGIN``, is not counted)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import routing as fastapi_routing
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.picking_helpers import floor, scan
from tests.api.statement_counting import Seen, counting
from tests.conftest import Api, Backend, open_backend
from tests.invariants import assert_reservations_consistent, assert_stock_invariants, snapshot
from wms.api import idempotency
from wms.api.routers import picking as picking_router
from wms.api.routing import ResourceRoute
from wms.api.schemas.picking import ConfirmationResult

PLAIN_BUDGET = 8  # statements of a plain pick's transaction, the last stop of a list included


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """The conftest's backends, without the wave sweeper: only the requests' statements are counted."""
    with open_backend(request, request.param, tmp_path, wave_sweep_interval_s=0) as opened:
        yield opened


def _confirm(picker: Api, pick_list: dict, body: dict, key: str, backend: Backend) -> tuple[dict, Seen]:
    with counting(backend) as seen:
        answer = picker.post(f"/v1/pick-lists/{pick_list['id']}/confirmations", body, key=key)
    return answer, seen


def test_a_plain_pick_is_one_transaction_of_at_most_8_statements(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    f = floor(admin, backend, client, [[("TEA", 3), ("MILK", 2)], [("TEA", 2)]])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    assert pl["open_stops"] >= 2
    ledger_before = _ledger_rows(backend)
    reads = [1, 1]
    while pl["next_stop"] is not None:
        stop = pl["next_stop"]
        answer, seen = _confirm(f.picker, pl, scan(stop), f"k-{stop['id']}", backend)
        assert seen.commits == 1, [t.statements for t in seen.written]
        [work] = seen.written
        assert len(work.statements) <= PLAIN_BUDGET, work.statements
        # before it, only the token and, the first time the pick list is named, its warehouse (the picker's
        # token is limited to WH1; a pick list never changes warehouse: wms.api.scope.Settled)
        assert [len(t.statements) for t in seen.reads] == reads, [t.statements for t in seen.reads]
        reads = [1]
        # the key and its answer are written by the same transaction
        assert any("idempotency_keys" in s for s in work.statements)
        assert answer["confirmed_stop_id"] == stop["id"] and answer["added_stop_ids"] == []
        # the answer is the pick list as a fresh read shows it
        assert {k: v for k, v in answer.items() if k not in ("confirmed_stop_id", "added_stop_ids")} == f.picker.get(
            f"/v1/pick-lists/{pl['id']}"
        )
        pl = answer
    assert pl["status"] == "picked" and {s["status"] for s in pl["stops"]} == {"picked"}
    assert _ledger_rows(backend) - ledger_before == 2 * len(pl["stops"])  # off the shelf, onto the cart
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def test_a_replay_of_a_plain_pick_gets_its_answer_and_changes_nothing(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    f = floor(admin, backend, client, [[("TEA", 3), ("MILK", 2)]])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    body = scan(pl["next_stop"])
    first = f.picker.post(f"/v1/pick-lists/{pl['id']}/confirmations", body, key="s-1")
    done = snapshot(backend.engine)
    again = client.post(
        f"/v1/pick-lists/{pl['id']}/confirmations", json=body, headers={**f.picker.headers, "Idempotency-Key": "s-1"}
    )
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first
    other = client.post(
        f"/v1/pick-lists/{pl['id']}/confirmations",
        json=scan(first["next_stop"]),
        headers={**f.picker.headers, "Idempotency-Key": "s-1"},
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    # without the key, the same scan is refused: the stop is confirmed once
    r = client.post(f"/v1/pick-lists/{pl['id']}/confirmations", json=body, headers=f.picker.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "stop_already_confirmed"
    assert snapshot(backend.engine) == done


def test_an_answer_lost_after_the_commit_is_there_for_the_retry_at_once(
    admin: Api, backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key and the answer commit with the work: a request that dies after its commit leaves its answer,
    and a retry gets it without waiting out a lease (no ``idempotency_in_progress``, no lost answer)."""
    f = floor(admin, backend, client, [[("TEA", 3), ("MILK", 2)]])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    real, answers = picking_router.confirm, []
    real_lookup = idempotency._lookup_atomic

    def dies_after_commit(*args: Any, **kwargs: Any) -> Any:
        answers.append(real(*args, **kwargs))
        raise RuntimeError("server stopped")

    def gone(*args: Any) -> None:  # the process is gone: nothing runs after the commit
        raise RuntimeError("server stopped")

    monkeypatch.setattr(picking_router, "confirm", dies_after_commit)
    monkeypatch.setattr(idempotency, "_lookup_atomic", gone)
    body = scan(pl["next_stop"])
    headers = {**f.picker.headers, "Idempotency-Key": "s-2"}
    with TestClient(client.app, raise_server_exceptions=False) as c:
        assert c.post(f"/v1/pick-lists/{pl['id']}/confirmations", json=body, headers=headers).status_code == 500
    monkeypatch.setattr(picking_router, "confirm", real)
    monkeypatch.setattr(idempotency, "_lookup_atomic", real_lookup)
    done = snapshot(backend.engine)
    retry = client.post(f"/v1/pick-lists/{pl['id']}/confirmations", json=body, headers=headers)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == ConfirmationResult.model_validate(answers[0]).model_dump(mode="json")
    assert snapshot(backend.engine) == done


def test_a_short_pick_is_one_transaction_too(admin: Api, backend: Backend, client: TestClient) -> None:
    f = floor(admin, backend, client, [[("TEA", 3), ("MILK", 2)]])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    stop = pl["next_stop"]
    answer, seen = _confirm(f.picker, pl, scan(stop, quantity=stop["quantity"] - 1, reason="not_found"), "s-3", backend)
    [work] = seen.written
    assert seen.commits == 1 and any("idempotency_keys" in s for s in work.statements)
    assert [st["status"] for st in answer["stops"] if st["id"] == stop["id"]] == ["short"]
    print(f"\n{backend.name}: a short pick found elsewhere: {len(work.statements)} statements in its transaction")
    assert_stock_invariants(backend.engine)
    assert_reservations_consistent(backend.engine)


def _ledger_rows(backend: Backend) -> int:
    with backend.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM stock_movements")).scalar_one()


def test_an_atomic_answer_is_rendered_once(
    admin: Api, backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer stored with the key is the one sent: FastAPI does not validate and render it again."""
    f = floor(admin, backend, client, [[("TEA", 3), ("MILK", 2)]])
    pl = f.picker.post("/v1/pick-lists/claim", {"warehouse": "WH1"}, expect=200)
    rendered: list[str] = []
    real_render, real_serialize = ResourceRoute.render_answer, fastapi_routing.serialize_response

    def render(route: ResourceRoute, result: object) -> tuple[int, bytes]:
        rendered.append("stored")
        return real_render(route, result)

    async def serialize(*args: Any, **kwargs: Any) -> Any:
        rendered.append("fastapi")
        return await real_serialize(*args, **kwargs)

    monkeypatch.setattr(ResourceRoute, "render_answer", render)
    monkeypatch.setattr(fastapi_routing, "serialize_response", serialize)
    stop = pl["next_stop"]
    r = client.post(
        f"/v1/pick-lists/{pl['id']}/confirmations",
        json=scan(stop),
        headers={**f.picker.headers, "Idempotency-Key": "s-4"},
    )
    assert r.status_code == 201 and r.headers["content-type"] == "application/json"
    assert rendered == ["stored"]
    answer = r.json()
    assert answer["confirmed_stop_id"] == stop["id"]
    # as FastAPI renders it without a key (the next stop, confirmed without one)
    rendered.clear()
    plain = client.post(
        f"/v1/pick-lists/{pl['id']}/confirmations", json=scan(answer["next_stop"]), headers=f.picker.headers
    )
    assert plain.status_code == 201 and rendered == ["fastapi"]
    assert plain.json().keys() == answer.keys()
    replay = client.post(
        f"/v1/pick-lists/{pl['id']}/confirmations",
        json=scan(stop),
        headers={**f.picker.headers, "Idempotency-Key": "s-4"},
    )
    assert replay.status_code == 201 and replay.content == r.content
