"""GET /v1/waves: summaries newest first, filtered, paged downwards, limited to the token's warehouse."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.api.orders_helpers import order_body, world
from tests.conftest import Api, Backend, make_token
from wms.picking.orm import Wave

T = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def four_waves(admin: Api, backend: Backend) -> list[dict]:
    """WH1: waves of 2 and 1 orders, then one failed; WH2: a wave of 1; created an hour apart from T."""
    world(admin)
    for k in range(4):
        admin.post("/v1/orders", order_body(("TEA", 1), customer=f"TEA-{k}"))
    admin.post("/v1/orders", order_body(("SOAP", 5), customer="SOAPY"))  # only WH2 has 5
    waves = [
        admin.post("/v1/waves", {"warehouse": "WH1", "max_orders": 2, "cart": {"max_orders": 1}}),
        admin.post("/v1/waves", {"warehouse": "WH2", "cart": {}}),
        admin.post("/v1/waves", {"warehouse": "WH1", "max_orders": 1, "cart": {}}),
        admin.post("/v1/waves", {"warehouse": "WH1", "cart": {}}),
    ]
    with backend.engine.begin() as conn:
        for hour, wave in enumerate(waves):
            conn.execute(update(Wave).where(Wave.id == wave["id"]).values(created_at=T.replace(hour=12 + hour)))
        conn.execute(update(Wave).where(Wave.id == waves[3]["id"]).values(status="failed", error="boom"))
    return waves


def test_waves_newest_first_with_counts_not_pick_lists(admin: Api, backend: Backend) -> None:
    waves = four_waves(admin, backend)
    page = admin.get("/v1/waves")
    assert page["next_cursor"] is None
    assert [w["id"] for w in page["items"]] == [w["id"] for w in reversed(waves)]
    first = page["items"][-1]
    assert first == {
        "id": waves[0]["id"],
        "warehouse": "WH1",
        "status": "planned",
        "order_count": 2,
        "pick_list_count": 2,
        "total_distance_m": waves[0]["total_distance_m"],
        "method": waves[0]["method"],
        "error": None,
        "created_at": "2026-11-20T12:00:00Z",
        "planned_at": first["planned_at"],
    }
    assert first["planned_at"] is not None
    assert [(w["warehouse"], w["order_count"], w["pick_list_count"]) for w in page["items"]] == [
        ("WH1", 1, 1),
        ("WH1", 1, 1),
        ("WH2", 1, 1),
        ("WH1", 2, 2),
    ]
    assert page["items"][0]["status"] == "failed" and page["items"][0]["error"] == "boom"


def test_filters_and_paging_downwards(admin: Api, backend: Backend) -> None:
    waves = four_waves(admin, backend)
    ids = [w["id"] for w in waves]

    def listed(**params: object) -> list[int]:
        return [w["id"] for w in admin.get("/v1/waves", **params)["items"]]

    assert listed(warehouse="WH1") == [ids[3], ids[2], ids[0]]
    assert listed(warehouse="WH1", status="planned") == [ids[2], ids[0]]
    assert listed(status="failed") == [ids[3]]
    assert listed(warehouse="NOPE") == []
    # [created_from, created_to): 13:00 is in, 15:00 is out
    assert listed(created_from="2026-11-20T13:00:00Z", created_to="2026-11-20T15:00:00Z") == [ids[2], ids[1]]
    assert listed(created_from="2026-11-20T14:00:00+01:00") == [ids[3], ids[2], ids[1]]  # 13:00 UTC on
    assert listed(created_to="2026-11-20T12:00:00.000001Z") == [ids[0]]
    seen, cursor = [], None
    while True:
        page = admin.get("/v1/waves", limit=3, cursor=cursor)
        seen += [w["id"] for w in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    page = admin.get("/v1/waves", limit=1, warehouse="WH1", status="planned")
    assert [
        w["id"]
        for w in admin.get("/v1/waves", limit=5, warehouse="WH1", status="planned", cursor=page["next_cursor"])["items"]
    ] == [ids[0]]


def test_bad_filters_are_refused(admin: Api, backend: Backend) -> None:
    four_waves(admin, backend)
    for params in (
        {"created_from": "2026-11-20T13:00:00"},  # no offset: which time zone?
        {"created_from": "2026-11-20"},
        {"created_to": "yesterday"},
        {"status": "done"},
        {"cursor": "bogus"},
        {"limit": 0},
        {"limit": 501},
    ):
        admin.get("/v1/waves", expect=422, **params)
    admin.get("/v1/waves", expect=422, unknown="x")  # a parameter the operation does not have
    empty = admin.get("/v1/waves", created_from="2026-11-20T13:00:00Z", created_to="2026-11-20T13:00:00Z")
    assert empty["items"] == []  # an empty range holds no wave


def test_a_warehouse_token_sees_its_own_waves_and_only_planners_see_any(
    admin: Api, backend: Backend, client: TestClient
) -> None:
    waves = four_waves(admin, backend)
    wh2 = Api(client, make_token(backend, "planner", "WH2"))
    assert [w["id"] for w in wh2.get("/v1/waves")["items"]] == [waves[1]["id"]]
    assert [w["id"] for w in wh2.get("/v1/waves", warehouse="WH2")["items"]] == [waves[1]["id"]]
    assert wh2.get("/v1/waves", expect=403, warehouse="WH1")["error"]["code"] == "warehouse_forbidden"
    assert len(Api(client, make_token(backend, "planner")).get("/v1/waves")["items"]) == 4
    for role in ("picker", "erp"):
        Api(client, make_token(backend, role)).get("/v1/waves", expect=403)
    assert client.get("/v1/waves").status_code == 401
