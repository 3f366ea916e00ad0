"""Receiving, moving, adjusting and counting through the API, ledger and stock always agreeing."""

from __future__ import annotations

import pytest

from tests.conftest import Api, Backend
from tests.invariants import assert_stock_invariants, snapshot


def receive(api: Api, *lines: tuple, reference: str = "PO-1", expect: int = 201) -> dict:
    body = {
        "warehouse": "WH1",
        "reference": reference,
        "lines": [
            {"sku": s, "lot": lot, "expiry_date": exp, "quantity": q, "location": loc} for s, lot, exp, q, loc in lines
        ],
    }
    return admin_post(api, "/v1/receipts", body, expect)


def admin_post(api: Api, path: str, body: dict, expect: int) -> dict:
    return api.post(path, body, expect=expect)


def stock_of(api: Api, **filters: str) -> dict[tuple[str, str, str], int]:
    return {(r["location"], r["sku"], r["lot"]): r["on_hand"] for r in api.all("/v1/stock", **filters)}


def test_receipt_puts_stock_on_hand_and_in_the_ledger(admin: Api, warehouse: str, backend: Backend) -> None:
    receipt = receive(
        admin,
        ("A", "L1", "2027-03-01", 10, "A01-B001-L1-L"),
        ("B", "L9", None, 4, "A02-B003-L1-R"),
        ("A", "L1", "2027-03-01", 5, "A01-B001-L1-L"),
    )
    assert receipt["kind"] == "receipt" and receipt["reference"] == "PO-1"
    assert [m["delta"] for m in receipt["movements"]] == [10, 5, 4]
    rows = admin.all("/v1/stock", warehouse="WH1")
    assert {
        (r["location"], r["sku"], r["lot"], r["expiry_date"], r["on_hand"], r["reserved"], r["available"]) for r in rows
    } == {("A01-B001-L1-L", "A", "L1", "2027-03-01", 15, 0, 15), ("A02-B003-L1-R", "B", "L9", None, 4, 0, 4)}
    ledger = admin.all("/v1/stock/movements", warehouse="WH1")
    assert [(m["location"], m["sku"], m["lot"], m["delta"], m["reason"], m["reference"]) for m in ledger] == [
        ("A01-B001-L1-L", "A", "L1", 10, "receipt", "PO-1"),
        ("A01-B001-L1-L", "A", "L1", 5, "receipt", "PO-1"),
        ("A02-B003-L1-R", "B", "L9", 4, "receipt", "PO-1"),
    ]
    assert admin.get(f"/v1/receipts/{receipt['id']}") == receipt
    assert [lot["lot"] for lot in admin.all("/v1/items/A/lots")] == ["L1"]
    assert_stock_invariants(backend.engine)


def test_same_lot_with_another_expiry_is_refused(admin: Api, warehouse: str, backend: Backend) -> None:
    receive(admin, ("A", "L1", "2027-03-01", 10, "A01-B001-L1-L"))
    before = snapshot(backend.engine)
    err = receive(
        admin, ("A", "L2", "2027-01-01", 3, "A01-B002-L1-L"), ("A", "L1", "2027-04-01", 1, "A01-B001-L1-L"), expect=409
    )
    assert err["error"]["code"] == "lot_expiry_mismatch"
    err = receive(admin, ("A", "L1", None, 1, "A01-B001-L1-L"), expect=409)
    assert snapshot(backend.engine) == before  # L2 of the first line was not kept either


def test_move_takes_from_one_location_and_puts_into_another(admin: Api, warehouse: str, backend: Backend) -> None:
    receive(admin, ("A", "L1", "2027-03-01", 10, "RECEIVING"))
    moved = admin.post(
        "/v1/stock/moves",
        {
            "warehouse": "WH1",
            "sku": "A",
            "lot": "L1",
            "quantity": 7,
            "from_location": "RECEIVING",
            "to_location": "A03-B020-L1-R",
            "reference": "PUTAWAY-1",
        },
    )
    assert sorted((m["location"], m["delta"], m["reason"], m["reference"]) for m in moved["movements"]) == [
        ("A03-B020-L1-R", 7, "move_in", "PUTAWAY-1"),
        ("RECEIVING", -7, "move_out", "PUTAWAY-1"),
    ]
    assert stock_of(admin) == {("RECEIVING", "A", "L1"): 3, ("A03-B020-L1-R", "A", "L1"): 7}
    before = snapshot(backend.engine)
    err = admin.post(
        "/v1/stock/moves",
        {
            "warehouse": "WH1",
            "sku": "A",
            "lot": "L1",
            "quantity": 4,
            "from_location": "RECEIVING",
            "to_location": "A01-B001-L1-L",
        },
        expect=409,
    )
    assert err["error"]["code"] == "insufficient_stock" and err["error"]["details"]["available"] == 3
    assert snapshot(backend.engine) == before
    assert_stock_invariants(backend.engine)


def test_adjustments_follow_their_reason(admin: Api, warehouse: str, backend: Backend) -> None:
    receive(admin, ("B", "L1", "2027-03-01", 10, "A01-B001-L1-L"))
    base = {"warehouse": "WH1", "location": "A01-B001-L1-L", "sku": "B", "lot": "L1"}
    admin.post("/v1/stock/adjustments", {**base, "delta": -2, "reason": "damaged"})
    admin.post("/v1/stock/adjustments", {**base, "delta": 1, "reason": "found", "reference": "FOUND-7"})
    admin.post("/v1/stock/adjustments", {**base, "delta": -1, "reason": "correction"})
    assert stock_of(admin) == {("A01-B001-L1-L", "B", "L1"): 8}
    reasons = [(m["delta"], m["reason"]) for m in admin.all("/v1/stock/movements", sku="B")]
    assert reasons == [(10, "receipt"), (-2, "damaged"), (1, "found"), (-1, "correction")]
    assert [m["reference"] for m in admin.all("/v1/stock/movements", reason="found")] == ["FOUND-7"]
    before = snapshot(backend.engine)
    admin.post("/v1/stock/adjustments", {**base, "delta": 2, "reason": "damaged"}, expect=422)
    admin.post("/v1/stock/adjustments", {**base, "delta": -1, "reason": "found"}, expect=422)
    admin.post("/v1/stock/adjustments", {**base, "delta": 0, "reason": "correction"}, expect=422)
    admin.post("/v1/stock/adjustments", {**base, "delta": -9, "reason": "lost"}, expect=409)
    admin.post("/v1/stock/adjustments", {**base, "delta": -1, "reason": "broken"}, expect=422)
    assert snapshot(backend.engine) == before
    assert_stock_invariants(backend.engine)


def test_cycle_count_shows_variance_and_posts_it(admin: Api, warehouse: str, backend: Backend) -> None:
    receive(admin, ("A", "L1", "2027-03-01", 10, "A01-B001-L1-L"), ("B", "L2", "2027-05-01", 6, "A01-B001-L1-L"))
    count = admin.post("/v1/cycle-counts", {"warehouse": "WH1", "location": "A01-B001-L1-L"})
    assert count["status"] == "open" and count["lines"] == []
    admin.post("/v1/cycle-counts", {"warehouse": "WH1", "location": "A01-B001-L1-L"}, expect=409)
    admin.post(f"/v1/cycle-counts/{count['id']}/post", expect=409)  # nothing counted yet
    counted = admin.post(
        f"/v1/cycle-counts/{count['id']}/result",
        {
            "lines": [
                {"sku": "A", "lot": "L1", "quantity": 8},
                {"sku": "A", "lot": "L7", "quantity": 2, "expiry_date": "2027-06-01"},
            ]
        },
    )
    variance = {(ln["sku"], ln["lot"]): (ln["expected"], ln["counted"], ln["variance"]) for ln in counted["lines"]}
    assert counted["status"] == "counted"
    assert variance == {("A", "L1"): (10, 8, -2), ("B", "L2"): (6, 0, -6), ("A", "L7"): (0, 2, 2)}
    assert stock_of(admin)[("A01-B001-L1-L", "A", "L1")] == 10  # nothing posted yet
    posted = admin.post(f"/v1/cycle-counts/{count['id']}/post")
    assert posted["status"] == "posted" and posted["operation_id"] is not None
    assert stock_of(admin) == {("A01-B001-L1-L", "A", "L1"): 8, ("A01-B001-L1-L", "A", "L7"): 2}
    corrections = admin.all("/v1/stock/movements", reason="count_correction")
    assert sorted((m["lot"], m["delta"]) for m in corrections) == [("L1", -2), ("L2", -6), ("L7", 2)]
    admin.post(f"/v1/cycle-counts/{count['id']}/post", expect=409)  # posted once only
    assert_stock_invariants(backend.engine)


def test_stale_count_is_refused(admin: Api, warehouse: str, backend: Backend) -> None:
    receive(admin, ("A", "L1", "2027-03-01", 10, "A01-B001-L1-L"))
    count = admin.post("/v1/cycle-counts", {"warehouse": "WH1", "location": "A01-B001-L1-L"})
    admin.post(f"/v1/cycle-counts/{count['id']}/result", {"lines": [{"sku": "A", "lot": "L1", "quantity": 9}]})
    admin.post(
        "/v1/stock/moves",
        {
            "warehouse": "WH1",
            "sku": "A",
            "lot": "L1",
            "quantity": 1,
            "from_location": "A01-B001-L1-L",
            "to_location": "A01-B002-L1-L",
        },
    )
    before = snapshot(backend.engine)
    err = admin.post(f"/v1/cycle-counts/{count['id']}/post", expect=409)
    assert err["error"]["code"] == "count_stale"
    assert snapshot(backend.engine) == before
    admin.post(f"/v1/cycle-counts/{count['id']}/result", {"lines": [{"sku": "A", "lot": "L1", "quantity": 9}]})
    assert admin.post(f"/v1/cycle-counts/{count['id']}/post")["status"] == "posted"
    assert stock_of(admin, location="A01-B001-L1-L") == {("A01-B001-L1-L", "A", "L1"): 9}
    assert admin.get(f"/v1/cycle-counts/{count['id']}")["lines"][0]["variance"] == 0
    cancelled = admin.post("/v1/cycle-counts", {"warehouse": "WH1", "location": "A01-B001-L1-L"})
    assert admin.post(f"/v1/cycle-counts/{cancelled['id']}/cancel")["status"] == "cancelled"
    assert [c["status"] for c in admin.all("/v1/cycle-counts", warehouse="WH1")] == ["posted", "cancelled"]


GOOD_LINE = {"sku": "A", "lot": "L1", "expiry_date": "2027-03-01", "quantity": 5, "location": "A01-B001-L1-L"}
BAD_RECEIPTS = [
    ({"warehouse": "WH1", "reference": "R", "lines": [{**GOOD_LINE, "sku": "NOPE"}]}, 404),
    ({"warehouse": "WH1", "reference": "R", "lines": [{**GOOD_LINE, "location": "A09-B001-L1-L"}]}, 404),
    ({"warehouse": "WH9", "reference": "R", "lines": [GOOD_LINE]}, 404),
    ({"warehouse": "WH1", "reference": "R", "lines": [{**GOOD_LINE, "quantity": 0}]}, 422),
    ({"warehouse": "WH1", "reference": "R", "lines": [{**GOOD_LINE, "quantity": -3}]}, 422),
    ({"warehouse": "WH1", "reference": "R", "lines": [{**GOOD_LINE, "quantity": 2.5}]}, 422),
    ({"warehouse": "WH1", "reference": "R", "lines": [{**GOOD_LINE, "quantity": "5"}]}, 422),
    ({"warehouse": "WH1", "reference": "R", "lines": [{**GOOD_LINE, "quantity": True}]}, 422),
    ({"warehouse": "WH1", "reference": "R", "lines": [{**GOOD_LINE, "expiry_date": "2027-02-30"}]}, 422),
    ({"warehouse": "WH1", "reference": "R", "lines": [{**GOOD_LINE, "colour": "red"}]}, 422),
    ({"warehouse": "WH1", "reference": "R", "lines": [GOOD_LINE], "extra": 1}, 422),
    ({"warehouse": "WH1", "reference": "R", "lines": []}, 422),
    ({"warehouse": "WH1", "lines": [GOOD_LINE]}, 422),
    ({"warehouse": "WH1", "reference": "R", "lines": [{k: v for k, v in GOOD_LINE.items() if k != "lot"}]}, 422),
    ([GOOD_LINE], 422),
]


@pytest.mark.parametrize("body,status", BAD_RECEIPTS)
def test_bad_receipts_change_nothing(admin: Api, warehouse: str, backend: Backend, body: object, status: int) -> None:
    receive(admin, ("A", "L0", "2027-01-01", 3, "A01-B001-L1-L"))
    before = snapshot(backend.engine)
    err = admin.post("/v1/receipts", body, expect=status)
    assert set(err["error"]) == {"code", "message", "details"} and err["error"]["message"]
    assert snapshot(backend.engine) == before


def test_malformed_json_is_a_clear_4xx(admin: Api, warehouse: str, backend: Backend) -> None:
    before = snapshot(backend.engine)
    for raw in (b'{"warehouse": "WH1", "reference": ', b"not json", b"\xff\xfe"):
        r = admin.client.post(
            "/v1/receipts", content=raw, headers={**admin.headers, "Content-Type": "application/json"}
        )
        assert r.status_code in (400, 422) and r.json()["error"]["code"]
    assert snapshot(backend.engine) == before


def test_bad_moves_change_nothing(admin: Api, warehouse: str, backend: Backend) -> None:
    receive(admin, ("A", "L1", "2027-03-01", 10, "A01-B001-L1-L"))
    move = {
        "warehouse": "WH1",
        "sku": "A",
        "lot": "L1",
        "quantity": 1,
        "from_location": "A01-B001-L1-L",
        "to_location": "A01-B002-L1-L",
    }
    before = snapshot(backend.engine)
    for change, status in [
        ({"lot": "L2"}, 404),
        ({"sku": "B"}, 404),
        ({"to_location": "X"}, 404),
        ({"to_location": "A01-B001-L1-L"}, 422),
        ({"quantity": 11}, 409),
        ({"quantity": 0}, 422),
        ({"from_location": "A01-B003-L1-L"}, 409),
    ]:
        admin.post("/v1/stock/moves", {**move, **change}, expect=status)
    assert snapshot(backend.engine) == before


def test_ledger_pages_in_order_and_filters(admin: Api, warehouse: str) -> None:
    for i in range(7):
        receive(admin, ("A", f"L{i % 2}", "2027-03-01", i + 1, "A01-B001-L1-L"), reference=f"PO-{i}")
    page = admin.get("/v1/stock/movements", limit=3)
    ids = [m["id"] for m in page["items"]]
    while page["next_cursor"]:
        page = admin.get("/v1/stock/movements", limit=3, cursor=page["next_cursor"])
        ids += [m["id"] for m in page["items"]]
    assert len(ids) == 7 and ids == sorted(ids)
    assert sum(m["delta"] for m in admin.all("/v1/stock/movements", lot="L0")) == 1 + 3 + 5 + 7
    assert [m["reference"] for m in admin.all("/v1/stock/movements", reference="PO-3")] == ["PO-3"]
    assert admin.all("/v1/stock/movements", location="A02-B001-L1-L") == []
