"""POST /v1/warehouses/{code}/routes: lengths recomputed from layout.md and compared with the optimum."""

from __future__ import annotations

import itertools
import random

from tests.conftest import SMALL_LAYOUT, Api, Backend, make_token
from tests.unit.routing_reference import route_length
from wms.inventory.layout import Layout

LAYOUT = Layout(**SMALL_LAYOUT)
ONE_BLOCK = {**SMALL_LAYOUT, "aisles": 5, "blocks": 1, "bays_per_block": 12, "depot_x_m": 4.5}


def length_of(api: Api, warehouse: str, layout: Layout, codes: list[str]) -> float:
    where = {loc["code"]: (loc["x_m"], loc["y_m"]) for loc in api.all(f"/v1/warehouses/{warehouse}/locations")}
    return route_length(layout, [where[c] for c in codes])


def brute_force(api: Api, warehouse: str, layout: Layout, codes: list[str]) -> float:
    return min(length_of(api, warehouse, layout, list(p)) for p in itertools.permutations(codes))


def test_worked_example_route(admin: Api) -> None:
    admin.post("/v1/warehouses", {"code": "WH1", "name": "w", "layout": SMALL_LAYOUT})
    r = admin.post("/v1/warehouses/WH1/routes", {"locations": ["A03-B005-L1-R", "A01-B011-L1-L"]}, expect=200)
    assert sorted(r["sequence"]) == ["A01-B011-L1-L", "A03-B005-L1-R"] and r["method"] == "exact"
    assert r["distance_m"] == length_of(admin, "WH1", LAYOUT, r["sequence"]) <= 39.0


def test_routes_are_optimal_on_small_lists(admin: Api) -> None:
    admin.post("/v1/warehouses", {"code": "WH1", "name": "w", "layout": SMALL_LAYOUT})
    admin.post("/v1/warehouses", {"code": "WH2", "name": "w", "layout": ONE_BLOCK})
    rng = random.Random(5)
    for code, layout in (("WH1", LAYOUT), ("WH2", Layout(**ONE_BLOCK))):
        storage = [loc["code"] for loc in admin.all(f"/v1/warehouses/{code}/locations", kind="storage")]
        for _ in range(6):
            codes = rng.sample(storage, rng.randint(1, 6))
            r = admin.post(f"/v1/warehouses/{code}/routes", {"locations": codes}, expect=200)
            assert sorted(r["sequence"]) == sorted(codes)
            assert abs(r["distance_m"] - length_of(admin, code, layout, r["sequence"])) < 1e-6
            assert abs(r["distance_m"] - brute_force(admin, code, layout, codes)) < 1e-6


def test_bad_route_requests(admin: Api, backend: Backend, client) -> None:  # type: ignore[no-untyped-def]
    admin.post("/v1/warehouses", {"code": "WH1", "name": "w", "layout": SMALL_LAYOUT})
    admin.post("/v1/warehouses/WH1/routes", {"locations": []}, expect=422)
    admin.post("/v1/warehouses/WH1/routes", {"locations": ["NOPE"]}, expect=404)
    admin.post("/v1/warehouses/WH1/routes", {"locations": ["PACKING"]}, expect=422)
    admin.post("/v1/warehouses/WH9/routes", {"locations": ["A01-B001-L1-L"]}, expect=404)
    admin.post("/v1/warehouses/WH1/routes", {"locations": ["A01-B001-L1-L"], "x": 1}, expect=422)
    erp = Api(client, make_token(backend, "erp"))
    erp.post("/v1/warehouses/WH1/routes", {"locations": ["A01-B001-L1-L"]}, expect=403)
    dup = admin.post("/v1/warehouses/WH1/routes", {"locations": ["A01-B001-L1-L", "A01-B001-L1-R"]}, expect=200)
    assert dup["distance_m"] == 2 * 1.5
