"""Warehouses, locations and items through the HTTP API."""

from __future__ import annotations

from tests.conftest import SMALL_LAYOUT, Api


def test_warehouse_creates_every_location_with_layout_coordinates(admin: Api) -> None:
    created = admin.post("/v1/warehouses", {"code": "WH1", "name": "Main", "layout": SMALL_LAYOUT})
    assert created["location_count"] == 3 * 20 * 1 * 2 + 4
    assert created["layout"]["depot_x_m"] == 0
    locations = {loc["code"]: loc for loc in admin.all("/v1/warehouses/WH1/locations")}
    assert len(locations) == created["location_count"]
    assert locations["A01-B011-L1-L"] == {
        "code": "A01-B011-L1-L",
        "kind": "storage",
        "aisle": 1,
        "bay": 11,
        "level": 1,
        "side": "L",
        "x_m": 0.0,
        "y_m": 13.5,
    }
    assert (locations["A03-B005-L1-R"]["x_m"], locations["A03-B005-L1-R"]["y_m"]) == (6.0, 5.5)
    assert {loc["kind"] for loc in locations.values()} == {"storage", "receiving", "packing", "shipping", "quarantine"}
    assert admin.get("/v1/warehouses/WH1")["location_count"] == created["location_count"]


def test_location_filters_and_paging(admin: Api) -> None:
    admin.post("/v1/warehouses", {"code": "WH1", "name": "Main", "layout": SMALL_LAYOUT})
    aisle2 = admin.all("/v1/warehouses/WH1/locations", aisle=2)
    assert len(aisle2) == 40 and {loc["aisle"] for loc in aisle2} == {2}
    first = admin.get("/v1/warehouses/WH1/locations", limit=7)
    second = admin.get("/v1/warehouses/WH1/locations", limit=7, cursor=first["next_cursor"])
    assert len(first["items"]) == len(second["items"]) == 7
    assert not {loc["code"] for loc in first["items"]} & {loc["code"] for loc in second["items"]}
    admin.get("/v1/warehouses/WH1/locations", expect=422, cursor="not-a-cursor")


def test_duplicate_and_invalid_warehouses(admin: Api) -> None:
    admin.post("/v1/warehouses", {"code": "WH1", "name": "Main", "layout": SMALL_LAYOUT})
    err = admin.post("/v1/warehouses", {"code": "WH1", "name": "Again", "layout": SMALL_LAYOUT}, expect=409)
    assert err["error"] == {
        "code": "warehouse_exists",
        "message": "warehouse WH1 exists already",
        "details": {"resource": "warehouse", "code": "WH1"},
    }
    for bad in (
        {**SMALL_LAYOUT, "aisles": 0},
        {**SMALL_LAYOUT, "depot_x_m": 7},
        {**SMALL_LAYOUT, "levels": 1.5},
        {**SMALL_LAYOUT, "extra": 1},
        {k: v for k, v in SMALL_LAYOUT.items() if k != "blocks"},
    ):
        admin.post("/v1/warehouses", {"code": "WH2", "name": "x", "layout": bad}, expect=422)
    admin.get("/v1/warehouses/WH2", expect=404)


def test_items(admin: Api) -> None:
    item = admin.post("/v1/items", {"sku": "MILK", "name": "Milk", "min_shelf_life_days": 5, "unit_weight_kg": 1.03})
    assert item == {
        "sku": "MILK",
        "name": "Milk",
        "min_shelf_life_days": 5,
        "unit_volume_l": None,
        "unit_weight_kg": 1.03,
        "barcode": None,
    }
    assert admin.get("/v1/items/MILK") == item
    assert admin.post("/v1/items", {"sku": "MILK", "name": "Again"}, expect=409)["error"] == {
        "code": "item_exists",
        "message": "item MILK exists already",
        "details": {"resource": "item", "sku": "MILK"},
    }
    for bad in (
        {"sku": "", "name": "x"},
        {"sku": "X", "name": "x", "min_shelf_life_days": -1},
        {"sku": "X", "name": "x", "unit_volume_l": 0},
        {"sku": "X"},
        {"sku": "X", "name": "x", "colour": "red"},
        {"sku": 5, "name": "x"},
    ):
        admin.post("/v1/items", bad, expect=422)
    admin.get("/v1/items/X", expect=404)
    assert [i["sku"] for i in admin.all("/v1/items")] == ["MILK"]


def test_healthz_needs_no_token_and_openapi_is_served(client) -> None:  # type: ignore[no-untyped-def]
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["kernels"] in ("compiling", "ready")
    doc = client.get("/openapi.json").json()
    assert "/v1/receipts" in doc["paths"] and "/v1/stock/movements" in doc["paths"]
