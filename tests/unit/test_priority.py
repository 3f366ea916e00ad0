"""The one processing priority (``review.priority_key``): earliest ship-by, then first come, then fewer lines."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wms.orders.review import Urgency, priority_key, shipment_urgency

T0 = datetime(2026, 11, 26, 8, tzinfo=UTC)
hours = st.integers(0, 6).map(lambda h: T0 + timedelta(hours=h))  # few values: ties are common


@st.composite
def urgencies(draw: st.DrawFn) -> Urgency:
    return Urgency(
        id=draw(st.integers(1, 10**6)),
        ship_by=draw(st.none() | hours),
        promised_ship_by=draw(hours),
        created_at=draw(hours),
        line_count=draw(st.integers(1, 3)),
    )


many = st.lists(urgencies(), max_size=12, unique_by=lambda u: u.id)


def test_the_earliest_ship_by_goes_first_else_the_promised_one() -> None:
    paid_late = Urgency(1, None, T0 + timedelta(hours=1), T0, 1)  # not paid: its promise counts
    paid_soon = Urgency(2, T0 + timedelta(hours=2), T0 + timedelta(days=9), T0 - timedelta(days=1), 1)
    assert sorted([paid_soon, paid_late], key=priority_key) == [paid_late, paid_soon]


def test_ties_go_to_the_first_come_then_the_fewer_lines_then_the_lower_id() -> None:
    a = Urgency(7, T0, T0, T0, 2)
    assert priority_key(Urgency(9, T0, T0, T0 - timedelta(seconds=1), 5)) < priority_key(a)
    assert priority_key(Urgency(9, T0, T0, T0, 1)) < priority_key(a)
    assert priority_key(Urgency(3, T0, T0, T0, 2)) < priority_key(a) < priority_key(Urgency(8, T0, T0, T0, 2))


@given(many)
def test_the_priority_is_a_total_order(items: list[Urgency]) -> None:
    """Distinct ids never tie, and the result does not depend on the order the items came in."""
    keys = [priority_key(u) for u in items]
    assert len(set(keys)) == len(items)
    shuffled = list(items)
    random.Random(len(items)).shuffle(shuffled)
    assert sorted(shuffled, key=priority_key) == sorted(items, key=priority_key)


@given(urgencies(), urgencies())
def test_an_earlier_ship_by_always_wins(a: Urgency, b: Urgency) -> None:
    if a.deadline < b.deadline:
        assert priority_key(a) < priority_key(b)


@given(urgencies(), urgencies())
def test_ties_are_broken_by_created_at_then_lines_then_id(a: Urgency, b: Urgency) -> None:
    def ref(u: Urgency) -> tuple:  # the rule as written in words
        return (u.ship_by if u.ship_by is not None else u.promised_ship_by, u.created_at, u.line_count, u.id)

    assert (priority_key(a) < priority_key(b)) == (ref(a) < ref(b))
    if a.deadline == b.deadline and a.created_at < b.created_at:
        assert priority_key(a) < priority_key(b)
    if a.deadline == b.deadline and a.created_at == b.created_at and a.line_count < b.line_count:
        assert priority_key(a) < priority_key(b)


@settings(max_examples=100)
@given(st.integers(1, 10**6), st.lists(urgencies(), min_size=1, max_size=5, unique_by=lambda u: u.id))
def test_a_shipment_is_as_urgent_as_its_most_urgent_order(shipment_id: int, orders: list[Urgency]) -> None:
    s = shipment_urgency(shipment_id, orders)
    assert s.id == shipment_id
    assert s.deadline == min(o.deadline for o in orders)
    assert s.created_at == min(o.created_at for o in orders)
    assert s.line_count == sum(o.line_count for o in orders)
    if len(orders) == 1:  # a shipment of one order ranks as that order (but for its id)
        assert priority_key(s)[:3] == priority_key(orders[0])[:3]


def test_a_shipment_carries_at_least_one_order() -> None:
    with pytest.raises(ValueError, match="carries no order"):
        shipment_urgency(5, [])
