"""Clear words for bad requests: malformed JSON, a body that is not JSON, error locations in bulk pushes."""

from __future__ import annotations

import json
import re

import pytest

from tests.api.orders_helpers import order_body, world
from tests.conftest import Api, Backend
from tests.invariants import snapshot

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def shop(admin: Api) -> Api:
    world(admin)
    return admin


def raw_post(api: Api, path: str, content: bytes | None, content_type: str | None = None, key: str | None = None):  # type: ignore[no-untyped-def]
    headers = dict(api.headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.client.post(path, content=content, headers=headers)


BROKEN = ['{\n  "external_id": "X-1",\n    "channel" "shop"\n}', '{"external_id": "X-1",}', "[1, 2", "not json"]


@pytest.mark.parametrize("text", BROKEN)
def test_malformed_json_says_so_and_where(shop: Api, backend: Backend, text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as parsed:
        json.loads(text)
    before = snapshot(backend.engine)
    r = raw_post(shop, "/v1/orders", text.encode(), "application/json", key="broken")
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    e = parsed.value
    assert error["code"] == "malformed_json"
    assert error["message"] == f"the body is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}"
    assert error["details"] == {"line": e.lineno, "column": e.colno, "position": e.pos}
    assert snapshot(backend.engine) == before and shop.all("/v1/orders") == []
    assert shop.post("/v1/orders", order_body(("TEA", 1)), key="broken")["status"] == "allocated"  # key not spent


def test_malformed_json_names_line_and_column(shop: Api) -> None:
    r = raw_post(shop, "/v1/orders/bulk", b'{"orders": [\n  {"a": 1}\n  {"b": 2}\n]}', "application/json")
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "the body is not valid JSON: Expecting ',' delimiter at line 3, column 3"


def test_a_body_that_is_not_utf8_is_malformed_json(shop: Api, backend: Backend) -> None:
    before = snapshot(backend.engine)
    r = raw_post(shop, "/v1/orders", b'\xff\xfe{"external_id": 1}', "application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
    assert "UTF-8" in r.json()["error"]["message"] and r.json()["error"]["details"] == {"position": 0}
    assert snapshot(backend.engine) == before


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json", 201),
        ("application/json; charset=utf-8", 201),
        ("Application/JSON", 201),
        ("application/vnd.wms+json", 201),
        ("application/x-www-form-urlencoded", 415),
        ("text/plain", 415),
        ("multipart/form-data; boundary=x", 415),
        ("text/json", 415),
        (None, 415),
    ],
)
def test_a_body_must_be_sent_as_json(shop: Api, backend: Backend, content_type: str | None, status: int) -> None:
    before = snapshot(backend.engine)
    body = json.dumps(order_body(("TEA", 1), external_id="CT-1")).encode()
    r = raw_post(shop, "/v1/orders", body, content_type, key="ct")
    assert r.status_code == status, r.text
    if status == 415:
        error = r.json()["error"]
        assert error["code"] == "unsupported_media_type"
        assert "send 'Content-Type: application/json'" in error["message"]
        assert error["details"] == {"content_type": content_type}
        assert snapshot(backend.engine) == before
        assert shop.post("/v1/orders", order_body(("TEA", 1)), key="ct")  # the key was not spent


def test_curl_form_post_gets_415_not_a_dictionary_error(admin: Api) -> None:
    r = raw_post(admin, "/v1/items", b"sku=A&name=Item", FORM["Content-Type"])
    assert r.status_code == 415
    assert r.json()["error"]["message"] == (
        "request bodies are JSON: send 'Content-Type: application/json' "
        "(got Content-Type 'application/x-www-form-urlencoded')"
    )


def _posts(api: Api) -> dict[str, bool]:
    """Every POST path of the served document, and whether it takes a body."""
    paths = api.client.get("/openapi.json").json()["paths"]
    return {path: "requestBody" in ops["post"] for path, ops in paths.items() if "post" in ops}


def test_every_post_that_reads_a_body_refuses_a_form_and_none_refuses_an_empty_request(
    admin: Api, backend: Backend
) -> None:
    before = snapshot(backend.engine)
    posts = _posts(admin)
    assert len(posts) > 20 and sum(posts.values()) > 20
    for template, takes_body in posts.items():
        path = re.sub(r"\{[^}]+\}", "1", template)
        form = raw_post(admin, path, b"a=1", FORM["Content-Type"])
        if takes_body:
            assert form.status_code == 415, (path, form.text)
        else:  # a POST that reads no body ignores one, as before
            assert form.status_code != 415, path
        empty = raw_post(admin, path, None)
        assert empty.status_code not in (415, 500), (path, empty.text)
    assert snapshot(backend.engine) == before


def test_a_post_without_a_body_needs_no_content_type(shop: Api) -> None:
    order = shop.post("/v1/orders", order_body(("TEA", 1)))
    r = raw_post(shop, f"/v1/orders/{order['id']}/cancel", None)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert "content-type" not in r.request.headers
    other = shop.post("/v1/orders", order_body(("TEA", 1)))
    r = raw_post(shop, f"/v1/orders/{other['id']}/cancel", b'{"reason": "changed mind"}', "application/json")
    assert r.status_code == 200 and r.json()["history"][-1]["cause"] == "changed mind"


def test_a_refusal_of_the_media_type_is_documented() -> None:
    from sqlalchemy import create_engine

    from wms.api.app import create_app
    from wms.config import Settings

    paths = create_app(Settings(database_url="sqlite://"), create_engine("sqlite://")).openapi()["paths"]
    assert "415" in paths["/v1/orders"]["post"]["responses"]
    assert "415" in paths["/v1/orders/{order_id}/cancel"]["post"]["responses"]
    assert "415" not in paths["/v1/shipments/{shipment_id}/ship"]["post"]["responses"]
    assert "415" not in paths["/v1/orders"]["get"]["responses"]


def test_bulk_errors_are_located_like_single_ones(shop: Api, backend: Backend) -> None:
    bad = order_body(("TEA", 1), external_id="LOC-1")
    bad["lines"] = [{"quantity": 0}]
    bad["ship_to"] = {**bad["ship_to"], "city": 5}
    single = shop.post("/v1/orders", bad, expect=422)["error"]
    assert single["code"] == "validation_error"
    assert {tuple(d["loc"]) for d in single["details"]} == {
        ("body", "ship_to", "city"),
        ("body", "lines", 0, "sku"),
        ("body", "lines", 0, "quantity"),
    }
    assert single["message"] == f"{'.'.join(map(str, single['details'][0]['loc']))}: {single['details'][0]['msg']}"

    good = [order_body(("TEA", 1), external_id=f"LOC-{n}") for n in (2, 3, 4)]
    result = shop.post("/v1/orders/bulk", {"orders": [*good, bad]}, expect=200)["results"][3]
    assert (result["index"], result["status_code"], result["result"]) == (3, 422, "error")
    bulk = result["error"]
    assert bulk["code"] == single["code"]
    assert bulk["details"] == [{**d, "loc": ["body", "orders", 3, *d["loc"][1:]]} for d in single["details"]]
    first = bulk["details"][0]
    assert bulk["message"] == f"body.orders.3.{'.'.join(map(str, first['loc'][3:]))}: {first['msg']}"


def test_bulk_results_name_each_order(shop: Api) -> None:
    good = order_body(("TEA", 1), external_id="N-1")
    no_id = {k: v for k, v in order_body(("TEA", 1)).items() if k != "external_id"}
    odd_id = {**order_body(("TEA", 1)), "external_id": 17}
    results = shop.post(
        "/v1/orders/bulk",
        {
            "orders": [
                good,
                good,
                order_body(("NOPE", 1), external_id="N-2"),
                {**order_body(("TEA", 0), external_id="N-3")},
                no_id,
                odd_id,
                {},
            ]
        },
        expect=200,
    )["results"]
    named = [(r["index"], r["result"], r["external_id"], r["channel"]) for r in results]
    assert named == [
        (0, "created", "N-1", "shop"),
        (1, "existing", "N-1", "shop"),
        (2, "error", "N-2", "shop"),
        (3, "error", "N-3", "shop"),
        (4, "error", None, "shop"),
        (5, "error", None, "shop"),
        (6, "error", None, None),
    ]
    assert (results[2]["status_code"], results[2]["error"]["code"]) == (404, "item_not_found")
    assert [r["error"]["details"][0]["loc"] for r in results[3:6]] == [
        ["body", "orders", 3, "lines", 0, "quantity"],
        ["body", "orders", 4, "external_id"],
        ["body", "orders", 5, "external_id"],
    ]


@pytest.mark.parametrize("path", ["/v1/items", "/v1/warehouses", "/v1/webhooks"])
def test_a_cursor_past_every_32_bit_id_is_the_end_of_the_list(admin: Api, path: str) -> None:
    """Found by schemathesis: a well-formed cursor above 2^31 made PostgreSQL refuse the comparison with a
    32-bit id column (422 invalid_value); such a cursor is past the last item."""
    page = admin.get(path, cursor="e21e80739de5d9d", limit=10)
    assert page == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("path", ["/v1/orders/messages", "/v1/orders", "/v1/stock"])
def test_a_filter_with_a_control_character_is_a_validation_error(admin: Api, path: str) -> None:
    """Found by schemathesis: a NUL in a filter reached PostgreSQL (422 invalid_value, the document said it
    was valid); no stored value has one, so the document now says so and the request is refused up front."""
    param = "sku" if path == "/v1/stock" else "channel"
    r = admin.client.get(path, params={param: "a\x00b"}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", r.text
