"""Every string and time a request carries follows ``wms.fields``, and the OpenAPI document says so.

The first tests walk every request body model of every route (and its nested models, and the time query
parameters), so a new field cannot forget the rule; the others send the refused values over HTTP.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import AnyUrl, AwareDatetime, BaseModel, TypeAdapter, ValidationError

from tests.api.openapi_helpers import api_routes
from tests.api.orders_helpers import ADDRESS, order_body
from tests.conftest import Api
from wms.api.app import create_app
from wms.config import Settings
from wms.orders.commands import PushOrder

CONTROLS = ["\x00", "\x01", "\t", "\n", "\r", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f"]
NOTE_BREAKS = {"\t", "\n", "\r"}  # the only control characters notes may hold (multi-line text)
NOT_TIMES = [
    0,
    1_700_000_000,
    1.5,
    True,
    "0",
    "1700000000",
    "2026-11-20",
    "2026-11-20T18:00:00",
    "2026-11-20 18:00:00Z",
    "2026-11-20T18:00Z",
    "20261120T180000Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
]
NOT_DATES = [0, 20261120, "20261120", "2026-11-20T00:00:00", "2026-11-20T00:00:00Z", "2026-W47-5", "0000-01-01"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return create_app(Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('fields') / 'w.db'}"))


def _leaves(tp: Any, where: str, seen: set[type]) -> Iterator[tuple[str, Any]]:
    """(where, annotated type) of every scalar a value of ``tp`` may hold, through models, lists and unions."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Annotated:
        base = args[0]
        if typing.get_origin(base) in (list, typing.Union, types.UnionType) or _is_model(base):
            yield from _leaves(base, where, seen)
        else:
            yield where, tp
    elif origin in (typing.Union, types.UnionType):
        for arg in args:
            yield from _leaves(arg, where, seen)
    elif origin is list:
        yield from _leaves(args[0], f"{where}[]", seen)
    elif origin is dict or tp in (type(None), object) or origin is Literal:
        return  # BulkPush's raw orders are each validated as a PushOrder (walked on its own)
    elif _is_model(tp):
        if tp in seen:
            return
        seen.add(tp)
        for name, field in tp.model_fields.items():
            yield from _leaves(
                Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation,
                f"{tp.__name__}.{name}",
                seen,
            )
    else:
        yield where, tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _base(tp: Any) -> Any:
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def request_leaves(app: FastAPI) -> dict[str, Any]:
    seen: set[type] = set()
    found: dict[str, Any] = {}
    for route in api_routes(app.routes):
        if route.body_field is not None:
            info = route.body_field.field_info
            tp = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            found.update(_leaves(tp, route.path, seen))
        for param in route.dependant.query_params:
            info = param.field_info
            tp = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            found.update((w, t) for w, t in _leaves(tp, f"{route.path}?{param.name}", seen) if _is_time(t))
    assert PushOrder in seen
    return found


def _is_time(tp: Any) -> bool:
    return _base(tp) in (datetime, date, AwareDatetime)


def _refuses(tp: Any, value: object) -> bool:
    try:
        TypeAdapter(tp).validate_python(value)
    except ValidationError:
        return True
    return False


def test_every_string_field_refuses_control_characters_and_states_its_pattern(app: FastAPI) -> None:
    strings = {
        w: tp
        for w, tp in request_leaves(app).items()
        if _base(tp) in (str,) or (isinstance(_base(tp), type) and issubclass(_base(tp), AnyUrl))
    }
    assert len(strings) > 40  # the walk found the fields (sku, lot, names, address parts, notes…)
    for where, tp in strings.items():
        schema = TypeAdapter(tp).json_schema(mode="validation")
        pattern = schema.get("pattern")
        assert pattern, f"{where}: no pattern in the document"
        allowed = NOTE_BREAKS if "Note" in repr(tp) or re.fullmatch(pattern, "a\nb") else set()
        for char in CONTROLS:
            if char in allowed:
                continue
            value = f"A{char}B"
            assert _refuses(tp, value), f"{where} takes {value!r}"
            assert re.fullmatch(pattern, value) is None, f"{where}: the document's pattern admits {value!r}"
        assert _refuses(tp, "A\ud800B"), f"{where} takes a lone surrogate"


def test_only_notes_keep_line_breaks(app: FastAPI) -> None:
    multi_line = {where for where, tp in request_leaves(app).items() if _base(tp) is str and not _refuses(tp, "a\nb")}
    assert multi_line == {
        "PushOrder.buyer_message",
        "PushOrder.seller_remark",
        "OrderMessage.reason",
        "Cancel.reason",
        "ResolveProblem.resolution",
    }


def test_every_time_is_an_rfc3339_string_with_an_offset_and_every_date_a_plain_date(app: FastAPI) -> None:
    leaves = request_leaves(app)
    times = {w: tp for w, tp in leaves.items() if _is_time(tp) and _base(tp) is not date}
    dates = {w: tp for w, tp in leaves.items() if _base(tp) is date}
    assert {
        "PushOrder.paid_at",
        "PushOrder.promised_ship_by",
        "OrderMessage.at",
        "/v1/waves?created_from",
        "/v1/waves?created_to",
    } <= set(times)
    assert {"ReceiptLine.expiry_date", "CountLine.expiry_date"} <= set(dates)
    for where, tp in times.items():
        assert TypeAdapter(tp).json_schema(mode="validation")["format"] == "date-time", where
        for value in NOT_TIMES:
            assert _refuses(tp, value), f"{where} takes {value!r}"
        for value in ("2026-11-20T18:00:00Z", "2026-11-20t18:00:00.123456789+05:30", "1970-01-01T00:00:00-00:00"):
            assert not _refuses(tp, value), f"{where} refuses {value!r}"
    for where, tp in dates.items():
        assert TypeAdapter(tp).json_schema(mode="validation")["format"] == "date", where
        for value in NOT_DATES:
            assert _refuses(tp, value), f"{where} takes {value!r}"
        assert not _refuses(tp, "9999-12-31")


def test_no_field_coerces_another_json_type(app: FastAPI) -> None:
    """What the document says is a number, boolean or string takes nothing else (no "5" for 5, no 1 for true)."""
    for where, tp in request_leaves(app).items():
        base = _base(tp)
        if base in (int, float):
            wrong: list[object] = ["1", True]
        elif base is bool:
            wrong = ["true", 1, 0]
        elif base is str:
            wrong = [1, 1.5, True]
        else:
            continue
        for value in wrong:
            assert _refuses(tp, value), f"{where} takes {value!r}"


def test_numbers_and_times_without_offset_are_refused_over_http(shop: Api) -> None:
    for bad in (0, 1_700_000_000, "2026-11-20T18:00:00", "1700000000"):
        err = shop.post("/v1/orders", {**order_body(("A", 1)), "promised_ship_by": bad}, expect=422)["error"]
        assert err["details"][0]["loc"] == ["body", "promised_ship_by"], err
        err = shop.post(
            "/v1/orders/messages", {"channel": "web", "external_id": "X", "type": "payment", "at": bad}, expect=422
        )["error"]
        assert err["details"][0]["loc"] == ["body", "at"], err
        shop.get("/v1/waves", expect=422, created_from=str(bad))
    line = {"sku": "A", "lot": "L9", "expiry_date": 20270301, "quantity": 1, "location": "RECEIVING"}
    shop.post("/v1/receipts", {"warehouse": "WH1", "reference": "R", "lines": [line]}, expect=422)
    assert shop.get("/v1/orders")["items"] == []


@pytest.mark.parametrize("part", ["name", "line1", "city", "postcode", "country"])
def test_a_control_character_in_an_address_is_refused(shop: Api, part: str) -> None:
    err = shop.post("/v1/orders", {**order_body(("A", 1)), "ship_to": {**ADDRESS, part: "x\x00y"}}, expect=422)["error"]
    assert err["details"][0]["loc"] == ["body", "ship_to", part]
    assert shop.get("/v1/orders")["items"] == []


def test_a_buyer_message_keeps_its_line_breaks(shop: Api) -> None:
    message = "Please ring twice.\r\nThanks!\tBob"
    order = shop.post("/v1/orders", {**order_body(("A", 1)), "buyer_message": message})
    assert shop.get(f"/v1/orders/{order['id']}")["buyer_message"] == message
    shop.post("/v1/orders", {**order_body(("A", 1), external_id="E2"), "buyer_message": "a\x00b"}, expect=422)


SPECIAL_SKUS = ["SKU-1", "SKU_1", "SKU.1", "SKU 1", "A.B_C-D E", "1", "x" * 64]


def test_a_sku_with_every_allowed_character_reads_back(admin: Api, client: TestClient) -> None:
    for sku in SPECIAL_SKUS:
        admin.post("/v1/items", {"sku": sku, "name": f"item {sku}"})
        assert admin.get(f"/v1/items/{quote(sku, safe='')}")["sku"] == sku
        assert admin.get(f"/v1/items/{quote(sku, safe='')}/lots")["items"] == []
    assert [i["sku"] for i in admin.all("/v1/items")] == SPECIAL_SKUS


@pytest.mark.parametrize("sku", ["A/B", "/A", " A", "A ", "-A", ".A", "A\x00", "ÄPFEL", "A#1", "", "x" * 65])
def test_a_sku_that_could_not_be_read_back_or_scanned_is_refused(admin: Api, sku: str) -> None:
    admin.post("/v1/items", {"sku": sku, "name": "x"}, expect=422)
    assert admin.get("/v1/items")["items"] == []


def test_lots_and_external_ids_take_what_erps_send(shop: Api) -> None:
    line = {"sku": "A", "lot": "2026/05 B", "expiry_date": "2027-03-01", "quantity": 1, "location": "RECEIVING"}
    shop.post("/v1/receipts", {"warehouse": "WH1", "reference": "ASN 2026/05/01 #7", "lines": [line]})
    assert shop.get("/v1/stock", lot="2026/05 B")["items"][0]["on_hand"] == 1
    order = shop.post(
        "/v1/orders",
        {**order_body(("A", 1), external_id="SO/2026/0001"), "channel": "天猫 #1", "customer_id": "ann@example.com"},
    )
    assert (order["external_id"], order["channel"]) == ("SO/2026/0001", "天猫 #1")
    for external_id in (" SO-1", "SO-1 ", "SO\x001"):
        shop.post("/v1/orders", order_body(("A", 1), external_id=external_id), expect=422)


@pytest.fixture
def shop(admin: Api, warehouse: str) -> Api:
    """WH1 with items A and B."""
    return admin
