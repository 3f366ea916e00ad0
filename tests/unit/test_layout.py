"""Location coordinates and distances against layout.md."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.routing_reference import distance, from_depot, route_length
from wms.inventory.layout import Layout, all_locations, storage_locations

WORKED = Layout(
    aisles=3, aisle_pitch_m=3, blocks=2, bays_per_block=10, bay_width_m=1, cross_aisle_width_m=2, levels=1, depot_x_m=0
)


def test_worked_example_coordinates() -> None:
    points = {loc.code: (loc.x_m, loc.y_m) for loc in storage_locations(WORKED)}
    assert WORKED.cross_aisle_ys() == [0, 12, 24]
    assert points["A01-B001-L1-L"] == (0, 1.5)
    assert points["A01-B011-L1-L"] == (0, 13.5)
    assert points["A03-B005-L1-R"] == (6, 5.5)


def test_worked_example_distances() -> None:
    a03_b005, a01_b011 = (6.0, 5.5), (0.0, 13.5)
    assert from_depot(WORKED, a03_b005) == 11.5
    assert distance(WORKED, a01_b011, a03_b005) == 14.0
    assert route_length(WORKED, [a03_b005, a01_b011]) == 39.0


def test_code_widths_grow_with_the_layout() -> None:
    big = Layout(
        aisles=120, aisle_pitch_m=3, blocks=1, bays_per_block=1200, bay_width_m=1, cross_aisle_width_m=2, levels=12
    )
    assert big.location_code(7, 15, 3, "L") == "A007-B0015-L03-L"
    assert WORKED.location_code(3, 17, 2, "R") == "A03-B017-L2-R"


@pytest.mark.parametrize(
    "field,value", [("aisles", 0), ("levels", 0), ("bay_width_m", 0), ("cross_aisle_width_m", -1), ("depot_x_m", 6.5)]
)
def test_invalid_layouts_are_refused(field: str, value: float) -> None:
    args = {**WORKED.as_dict(), field: value}
    with pytest.raises(ValueError):
        Layout(**args)  # type: ignore[arg-type]


layouts = st.builds(
    Layout,
    aisles=st.integers(1, 8),
    aisle_pitch_m=st.floats(0.5, 6),
    blocks=st.integers(1, 4),
    bays_per_block=st.integers(1, 12),
    bay_width_m=st.floats(0.3, 3),
    cross_aisle_width_m=st.floats(0, 4),
    levels=st.integers(1, 3),
    depot_x_m=st.just(0.0),
)


@settings(max_examples=60, deadline=None)
@given(layouts)
def test_random_layouts_follow_the_formulas(layout: Layout) -> None:
    """Recomputed here straight from layout.md's sentences, bay by bay."""
    locations = list(storage_locations(layout))
    assert len(locations) == layout.aisles * layout.blocks * layout.bays_per_block * layout.levels * 2
    assert len({loc.code for loc in all_locations(layout)}) == len(locations) + 4
    lb = layout.bays_per_block * layout.bay_width_m
    for loc in locations:
        assert loc.x_m == pytest.approx((loc.aisle - 1) * layout.aisle_pitch_m)
        k, i = (loc.bay - 1) // layout.bays_per_block, (loc.bay - 1) % layout.bays_per_block
        y_k = k * (lb + layout.cross_aisle_width_m)
        assert loc.y_m == pytest.approx(y_k + layout.cross_aisle_width_m / 2 + (i + 0.5) * layout.bay_width_m)
        # a pick point lies strictly inside its block, between two cross aisles
        assert y_k < loc.y_m < y_k + lb + layout.cross_aisle_width_m
        assert loc.code == f"A{loc.aisle:02d}-B{loc.bay:03d}-L{loc.level}-{loc.side}"


@settings(max_examples=60, deadline=None)
@given(layouts, st.data())
def test_distance_is_a_metric_on_pick_points(layout: Layout, data: st.DataObject) -> None:
    locs = list(storage_locations(layout))
    p, q, r = (data.draw(st.sampled_from(locs)) for _ in range(3))
    pp, qq, rr = (p.x_m, p.y_m), (q.x_m, q.y_m), (r.x_m, r.y_m)
    assert distance(layout, pp, qq) == pytest.approx(distance(layout, qq, pp))
    assert distance(layout, pp, rr) <= distance(layout, pp, qq) + distance(layout, qq, rr) + 1e-9
    # never shorter than the straight-line Manhattan distance
    assert distance(layout, pp, qq) >= abs(p.x_m - q.x_m) + abs(p.y_m - q.y_m) - 1e-9
