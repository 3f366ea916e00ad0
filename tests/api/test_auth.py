"""Tokens, roles and warehouse scope."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import SMALL_LAYOUT, Api, Backend, make_token
from wms.auth.keys import hash_token


@pytest.fixture
def two_warehouses(admin: Api, warehouse: str) -> Api:
    admin.post("/v1/warehouses", {"code": "WH2", "name": "Second", "layout": SMALL_LAYOUT})
    for wh in ("WH1", "WH2"):
        admin.post(
            "/v1/receipts",
            {
                "warehouse": wh,
                "reference": "PO",
                "lines": [{"sku": "A", "lot": "L1", "expiry_date": None, "quantity": 5, "location": "A01-B001-L1-L"}],
            },
        )
    return admin


def test_requests_without_a_valid_token_get_401(client, warehouse: str) -> None:  # type: ignore[no-untyped-def]
    for headers in (
        {},
        {"Authorization": "Bearer wms_nope"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
    ):
        r = client.get("/v1/stock", headers=headers)
        assert r.status_code == 401, headers
        assert r.json()["error"]["code"] in ("missing_token", "invalid_token")
    r = client.post("/v1/items", json={"sku": "Z", "name": "z"})
    assert r.status_code == 401


def test_tokens_are_stored_hashed(backend: Backend) -> None:
    token = make_token(backend, "erp")
    with backend.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_keys")).scalars().all()
    assert stored == [hash_token(token)] and token not in stored[0]


def test_roles(backend: Backend, client, two_warehouses: Api) -> None:  # type: ignore[no-untyped-def]
    erp, planner, picker = (Api(client, make_token(backend, r)) for r in ("erp", "planner", "picker"))
    line = {"sku": "A", "lot": "L1", "expiry_date": None, "quantity": 1, "location": "A01-B002-L1-L"}
    erp.post("/v1/items", {"sku": "E1", "name": "from the ERP"})
    erp.post("/v1/receipts", {"warehouse": "WH1", "reference": "ASN-1", "lines": [line]})
    erp.post("/v1/warehouses", {"code": "WH3", "name": "x", "layout": SMALL_LAYOUT}, expect=403)
    erp.post(
        "/v1/stock/adjustments",
        {"warehouse": "WH1", "location": "A01-B002-L1-L", "sku": "A", "lot": "L1", "delta": -1, "reason": "lost"},
        expect=403,
    )
    planner.post("/v1/items", {"sku": "P1", "name": "x"}, expect=403)
    planner.post(
        "/v1/stock/adjustments",
        {"warehouse": "WH1", "location": "A01-B002-L1-L", "sku": "A", "lot": "L1", "delta": -1, "reason": "lost"},
    )
    picker.post("/v1/receipts", {"warehouse": "WH1", "reference": "x", "lines": [line]}, expect=403)
    picker.get("/v1/stock/movements", expect=403)
    picker.post(
        "/v1/stock/moves",
        {
            "warehouse": "WH1",
            "sku": "A",
            "lot": "L1",
            "quantity": 1,
            "from_location": "A01-B001-L1-L",
            "to_location": "A01-B003-L1-L",
        },
    )
    picker.get("/v1/stock")


def test_warehouse_scope(backend: Backend, client, two_warehouses: Api) -> None:  # type: ignore[no-untyped-def]
    picker = Api(client, make_token(backend, "picker", "WH1"))
    planner = Api(client, make_token(backend, "planner", "WH2"))
    assert {r["warehouse"] for r in picker.all("/v1/stock")} == {"WH1"}
    assert {r["warehouse"] for r in planner.all("/v1/stock/movements")} == {"WH2"}
    assert [w["code"] for w in picker.all("/v1/warehouses")] == ["WH1"]
    picker.get("/v1/stock", expect=403, warehouse="WH2")
    picker.get("/v1/warehouses/WH2", expect=403)
    picker.get("/v1/warehouses/WH2/locations", expect=403)
    err = picker.post(
        "/v1/stock/moves",
        {
            "warehouse": "WH2",
            "sku": "A",
            "lot": "L1",
            "quantity": 1,
            "from_location": "A01-B001-L1-L",
            "to_location": "A01-B003-L1-L",
        },
        expect=403,
    )
    assert err["error"]["code"] == "warehouse_forbidden"
    count = two_warehouses.post("/v1/cycle-counts", {"warehouse": "WH2", "location": "A01-B001-L1-L"})
    picker.get(f"/v1/cycle-counts/{count['id']}", expect=403)
    picker.post(f"/v1/cycle-counts/{count['id']}/result", {"lines": []}, expect=403)
    receipt_wh1 = two_warehouses.all("/v1/stock/movements", warehouse="WH1")[0]["operation_id"]
    planner.get(f"/v1/receipts/{receipt_wh1}", expect=403)
