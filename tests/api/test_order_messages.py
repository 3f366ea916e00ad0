"""ERP messages replayed, duplicated and out of order end in the in-order state."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.orders_helpers import ADDRESS, order_body, receive
from tests.conftest import SMALL_LAYOUT, Api, Backend, make_token

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
OTHER_ADDRESS = {**ADDRESS, "line1": "9 Elm St"}
UNCLEAR = {**ADDRESS, "postcode": ""}
MESSAGES = {
    "payment": {"type": "payment", "at": (T0 + timedelta(hours=1)).isoformat()},
    "payment_again": {"type": "payment", "at": (T0 + timedelta(hours=1, minutes=45)).isoformat()},
    "address_a": {"type": "address", "at": (T0 + timedelta(hours=2)).isoformat(), "ship_to": OTHER_ADDRESS},
    "address_b": {"type": "address", "at": (T0 + timedelta(hours=3)).isoformat(), "ship_to": ADDRESS},
    "address_bad": {"type": "address", "at": (T0 + timedelta(hours=2, minutes=30)).isoformat(), "ship_to": UNCLEAR},
    "carrier_a": {"type": "carrier", "at": (T0 + timedelta(hours=2, minutes=15)).isoformat(), "carrier": "DHL"},
    "carrier_b": {"type": "carrier", "at": (T0 + timedelta(hours=3, minutes=30)).isoformat(), "carrier": "auto"},
    "cancel": {"type": "cancel", "at": (T0 + timedelta(hours=4)).isoformat()},
    "refund": {"type": "refund", "at": (T0 + timedelta(hours=5)).isoformat()},
}
IN_ORDER = [
    "push",
    "payment",
    "payment_again",
    "address_a",
    "carrier_a",
    "address_bad",
    "address_b",
    "carrier_b",
    "cancel",
    "refund",
]
_ids = count()


@pytest.fixture
def stocked(admin: Api) -> Api:
    admin.post("/v1/warehouses", {"code": "WH1", "name": "w", "layout": SMALL_LAYOUT})
    admin.post("/v1/items", {"sku": "TEA", "name": "Tea"})
    receive(admin, "WH1", ("TEA", "T", None, 100_000, "A01-B001-L1-L"))
    return admin


def deliver(api: Api, external_id: str, sequence: list[str]) -> dict:
    for name in sequence:
        if name == "push":
            api.post(
                "/v1/orders", order_body(("TEA", 2), external_id=external_id, paid=False, ship_to=UNCLEAR), expect=None
            )  # type: ignore[arg-type]
        else:
            api.post(
                "/v1/orders/messages", {"channel": "shop", "external_id": external_id, **MESSAGES[name]}, expect=200
            )
    [summary] = api.all("/v1/orders", external_id=external_id)
    order = api.get(f"/v1/orders/{summary['id']}")
    return {
        "status": order["status"],
        "paid": order["paid"],
        "paid_at": order["paid_at"],
        "ship_by": order["ship_by"],
        "ship_to": order["ship_to"],
        "carrier": order["carrier"],
        "problems": order["problems"],
        "allocated": [(ln["sku"], ln["allocated"], ln["backordered"]) for ln in order["lines"]],
    }


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    st.lists(st.sampled_from(IN_ORDER[1:]), min_size=0, max_size=4, unique=True).flatmap(
        lambda msgs: st.tuples(
            st.just(msgs), st.permutations(["push", *msgs]), st.lists(st.sampled_from(["push", *msgs]), max_size=3)
        )
    )
)
def test_any_arrival_order_ends_in_the_in_order_state(stocked: Api, case: tuple) -> None:
    messages, shuffled, repeats = case
    in_order = [m for m in IN_ORDER if m == "push" or m in messages]
    n = next(_ids)
    expected = deliver(stocked, f"IO-{n}", in_order)
    got = deliver(stocked, f"SH-{n}", list(shuffled) + list(repeats))
    assert got == expected


def test_every_arrival_order_of_a_small_set_ends_in_the_in_order_state(stocked: Api) -> None:
    """All 120 orders of arrival of the push and four messages: two payments (the earliest counts),
    two address corrections (the newest wins); the rest of the messages by the sampled test above."""
    messages = ["payment", "payment_again", "address_a", "address_b"]
    expected = deliver(stocked, f"EV-{next(_ids)}", ["push", *messages])
    for sequence in itertools.permutations(["push", *messages]):
        assert deliver(stocked, f"EV-{next(_ids)}", list(sequence)) == expected, sequence


def test_the_earliest_payment_sets_paid_at_and_the_ship_by_deadline(stocked: Api) -> None:
    late, early = MESSAGES["payment_again"]["at"], MESSAGES["payment"]["at"]
    got = deliver(stocked, "PAY-1", ["push", "payment_again", "payment"])
    assert datetime.fromisoformat(got["paid_at"]) == datetime.fromisoformat(early) != datetime.fromisoformat(late)
    assert datetime.fromisoformat(got["ship_by"]) == datetime.fromisoformat(early) + timedelta(days=3)


def test_message_before_its_order_waits_for_it(stocked: Api) -> None:
    pending = stocked.post(
        "/v1/orders/messages", {"channel": "shop", "external_id": "EARLY", **MESSAGES["payment"]}, expect=200
    )
    assert pending == {"result": "pending", "order": None}
    order = stocked.post("/v1/orders", order_body(("TEA", 1), external_id="EARLY", paid=False))
    assert order["paid"] and order["status"] == "allocated"


def test_messages_waiting_for_their_order_are_listed_until_it_comes(stocked: Api, backend: Backend) -> None:
    berlin = {**ADDRESS, "city": "Berlin", "postcode": "10115", "country": "Germany"}
    sent = [
        ("shop", "W-1", MESSAGES["payment"]),
        ("shop", "W-1", {**MESSAGES["address_a"], "ship_to": berlin}),
        ("market", "W-2", MESSAGES["cancel"]),
    ]
    for channel, external_id, message in sent:
        stocked.post("/v1/orders/messages", {"channel": channel, "external_id": external_id, **message}, expect=200)
    listed = stocked.all("/v1/orders/messages")
    assert [(m["status"], m["channel"], m["external_id"], m["type"], m["at"]) for m in listed] == [
        ("pending", c, e, m["type"], m["at"].replace("+00:00", "Z")) for c, e, m in sent
    ]
    assert all(m["received_at"] for m in listed) and [m["id"] for m in listed] == sorted(m["id"] for m in listed)
    assert stocked.get("/v1/orders/messages", status="pending") == stocked.get("/v1/orders/messages")
    assert [m["type"] for m in stocked.all("/v1/orders/messages", external_id="W-1")] == ["payment", "address"]
    assert [m["external_id"] for m in stocked.all("/v1/orders/messages", channel="market")] == ["W-2"]
    page = stocked.get("/v1/orders/messages", limit=2)
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = stocked.get("/v1/orders/messages", limit=2, cursor=page["next_cursor"])
    assert [m["id"] for m in page["items"] + rest["items"]] == [m["id"] for m in listed] and not rest["next_cursor"]
    error = stocked.get("/v1/orders/messages", expect=422, status="applied")["error"]
    assert error["code"] == "validation_error" and error["details"][0]["loc"] == ["query", "status"]

    order = stocked.post("/v1/orders", order_body(("TEA", 1), external_id="W-1", paid=False))
    assert order["paid"] and order["ship_to"]["country"] == "DE" and order["ship_to"]["city"] == "Berlin"
    assert [m["external_id"] for m in stocked.all("/v1/orders/messages")] == ["W-2"]


@pytest.mark.parametrize(("role", "status"), [("erp", 200), ("planner", 200), ("picker", 403)])
def test_waiting_messages_are_read_by_erp_and_planners(stocked: Api, backend: Backend, role: str, status: int) -> None:
    api = Api(stocked.client, make_token(backend, role))
    assert api.get("/v1/orders/messages", expect=status)
    assert stocked.get("/v1/orders/123", expect=404)["error"]["code"] == "order_not_found"  # not taken for messages
