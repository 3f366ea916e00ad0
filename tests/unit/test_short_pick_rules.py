"""Where a short pick's missing units are found again (``picking.rules.shortfall_stops``)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from wms.picking.rules import Elsewhere, NewStop, shortfall_stops

TODAY = date(2026, 11, 26)


def test_found_elsewhere_fefo_and_walked_in_aisle_order() -> None:
    elsewhere = [
        Elsewhere(1, date(2027, 3, 1), 5, aisle=1, y_m=8.0),
        Elsewhere(2, date(2027, 1, 1), 2, aisle=3, y_m=1.0),
        Elsewhere(3, date(2026, 12, 1), 4, aisle=2, y_m=5.0),
        Elsewhere(4, TODAY - timedelta(days=1), 9, aisle=1, y_m=1.0),  # expired
        Elsewhere(5, None, 9, aisle=None, y_m=2.0),  # undated: last
    ]
    found = shortfall_stops(7, elsewhere, today=TODAY, ship_date=TODAY, min_shelf_life_days=0)
    # FEFO takes 3 (Dec), 2 (Jan), then 1 of stock 1 (Mar); walked aisle 1, 2, 3
    assert found.stops == (NewStop(1, 1), NewStop(3, 4), NewStop(2, 2)) and found.unfilled == 0
    many = shortfall_stops(30, elsewhere, today=TODAY, ship_date=TODAY, min_shelf_life_days=0)
    assert many.stops[0] == NewStop(5, 9)  # no aisle: walked first, as aisle 0
    assert many.unfilled == 30 - (5 + 2 + 4 + 9)


def test_nothing_usable_elsewhere_leaves_it_all_unfilled() -> None:
    short_dated = [Elsewhere(1, TODAY + timedelta(days=5), 9, aisle=1, y_m=1.0)]
    found = shortfall_stops(4, short_dated, today=TODAY, ship_date=TODAY, min_shelf_life_days=10)
    assert found.stops == () and found.unfilled == 4
    assert shortfall_stops(4, [], today=TODAY, ship_date=TODAY, min_shelf_life_days=0).unfilled == 4


elsewheres = st.lists(
    st.builds(
        Elsewhere,
        stock_id=st.integers(1, 10**6),
        expiry_date=st.none() | st.integers(-5, 40).map(lambda n: TODAY + timedelta(days=n)),
        available=st.integers(0, 9),
        aisle=st.none() | st.integers(1, 4),
        y_m=st.sampled_from([0.5, 1.0, 2.5, 7.0]),
    ),
    max_size=8,
    unique_by=lambda c: c.stock_id,
)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), elsewheres, st.integers(0, 5), st.integers(0, 20))
def test_found_and_unfilled_make_the_missing_units(
    missing: int, elsewhere: list[Elsewhere], ship_in: int, shelf: int
) -> None:
    ship = TODAY + timedelta(days=ship_in)
    found = shortfall_stops(missing, elsewhere, today=TODAY, ship_date=ship, min_shelf_life_days=shelf)
    by_id = {c.stock_id: c for c in elsewhere}

    def usable(c: Elsewhere) -> bool:
        return c.available > 0 and (
            c.expiry_date is None or (c.expiry_date >= TODAY and (c.expiry_date - ship).days >= shelf)
        )

    assert sum(s.quantity for s in found.stops) + found.unfilled == missing
    assert found.unfilled == max(0, missing - sum(c.available for c in elsewhere if usable(c)))
    assert len({s.stock_id for s in found.stops}) == len(found.stops)  # one stop per stock row
    assert all(usable(by_id[s.stock_id]) and 0 < s.quantity <= by_id[s.stock_id].available for s in found.stops)
    walk = [(by_id[s.stock_id].aisle or 0, by_id[s.stock_id].y_m, s.stock_id) for s in found.stops]
    assert walk == sorted(walk)  # in walking order
