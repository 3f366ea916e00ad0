"""The split decision and the booking of FEFO picks over order lines (``allocation.rules``), against brute force."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wms.allocation.rules import split_order, spread
from wms.allocation.solver.split import SplitProblem, solve_split

# --- which warehouse ships what --------------------------------------------------------------------------

instances = st.integers(1, 4).flatmap(
    lambda n_wh: st.tuples(
        st.dictionaries(st.integers(1, 50), st.integers(1, 8), min_size=1, max_size=4),  # item → units wanted
        st.lists(st.integers(1, 9), min_size=n_wh, max_size=n_wh, unique=True),  # warehouse ids
        st.data(),
    )
)


def _usable(draw: st.DataObject, demand: dict[int, int], warehouses: list[int]) -> dict[int, dict[int, int]]:
    return {w: {i: draw.draw(st.integers(0, 8)) for i in demand} for w in warehouses}


def brute_force(demand: dict[int, int], usable: dict[int, dict[int, int]], mergeable: set[int]) -> tuple[int, int, int]:
    """(shipments, split items, preference) at best, over every set of warehouses and every choice of
    warehouses per item within it; preference ranks warehouses holding a mergeable shipment 0, others 1 + k."""
    warehouses = sorted(usable)
    rank = {w: 0 if w in mergeable else 1 + k for k, w in enumerate(warehouses)}
    fill = {i: min(n, sum(usable[w][i] for w in warehouses)) for i, n in demand.items()}
    if not any(fill.values()):
        return (0, 0, 0)
    best = None
    for r in range(1, len(warehouses) + 1):
        for used in itertools.combinations(warehouses, r):
            splits = 0
            for i, f in fill.items():
                if f == 0:
                    continue
                covers = [
                    k
                    for k in range(1, r + 1)
                    for ws in itertools.combinations(used, k)
                    if all(usable[w][i] > 0 for w in ws) and sum(usable[w][i] for w in ws) >= f
                ]
                if not covers:
                    break
                splits += min(covers) - 1
            else:
                value = (r, splits, sum(rank[w] for w in used))
                best = value if best is None or value < best else best
        if best is not None:
            return best  # fewer warehouses always win
    raise AssertionError("fill is always shippable")


@settings(max_examples=100, deadline=None)
@given(instances, st.data())
def test_the_split_ships_every_usable_unit_in_the_fewest_shipments(instance: tuple, data: st.DataObject) -> None:
    demand, warehouses, draw = instance
    usable = _usable(draw, demand, warehouses)
    mergeable = set(data.draw(st.lists(st.sampled_from(warehouses), max_size=2)))
    plan = split_order(demand, usable, mergeable, time_limit_s=10)
    for i, wanted in demand.items():
        shipped = sum(items.get(i, 0) for items in plan.shipments.values())
        assert shipped + plan.backordered[i] == wanted  # units conserved
        assert shipped == min(wanted, sum(usable[w][i] for w in warehouses))  # all that can be shipped is
    assert all(0 < q <= usable[w][i] for w, items in plan.shipments.items() for i, q in items.items())
    assert list(plan.shipments) == sorted(plan.shipments) and all(plan.shipments.values())
    rank = {w: 0 if w in mergeable else 1 + k for k, w in enumerate(sorted(warehouses))}
    split_items = sum(max(sum(1 for items in plan.shipments.values() if i in items) - 1, 0) for i in demand)
    got = (len(plan.shipments), split_items, sum(rank[w] for w in plan.shipments))
    assert got == brute_force(demand, usable, mergeable)


def _through_the_solver(demand: dict[int, int], usable: dict[int, dict[int, int]], mergeable: set[int]) -> tuple:
    """What ``solve_split`` answers over the arrays (the reference of ``split_order``'s plain-Python cases)."""
    items, warehouses = sorted(demand), sorted(usable)
    result = solve_split(
        SplitProblem(
            np.array([demand[i] for i in items], dtype=np.int64),
            np.array([[usable[w].get(i, 0) for i in items] for w in warehouses], dtype=np.int64).reshape(
                len(warehouses), len(items)
            ),
            np.array([0 if w in mergeable else 1 + k for k, w in enumerate(warehouses)], dtype=np.int64),
            time_limit_s=10,
        )
    )
    shipments = {
        w: {i: int(q) for i, q in zip(items, result.quantities[k], strict=True) if q}
        for k, w in enumerate(warehouses)
        if result.quantities[k].sum() > 0
    }
    return result.status, shipments, {i: int(b) for i, b in zip(items, result.backorder, strict=True)}


@settings(max_examples=200, deadline=None)
@given(instances, st.data())
def test_the_plain_cases_answer_exactly_what_the_solver_would(instance: tuple, data: st.DataObject) -> None:
    """Nothing available, or one warehouse ships all it can: answered without arrays, the same plan to the
    warehouse (ties, mergeable ones, items a warehouse does not list, negative counts included)."""
    demand, warehouses, draw = instance
    usable = {w: {i: draw.draw(st.integers(-1, 8)) for i in demand if draw.draw(st.booleans())} for w in warehouses}
    mergeable = set(data.draw(st.lists(st.sampled_from(warehouses), max_size=2)))
    plan = split_order(demand, usable, mergeable, time_limit_s=10)
    assert (plan.status, plan.shipments, plan.backordered) == _through_the_solver(demand, usable, mergeable)


def test_a_mergeable_warehouse_that_has_everything_ships_it() -> None:
    usable = {1: {10: 5, 11: 5}, 2: {10: 5, 11: 5}, 3: {10: 1, 11: 0}}
    assert split_order({10: 2, 11: 3}, usable, set(), time_limit_s=1).shipments == {1: {10: 2, 11: 3}}
    plan = split_order({10: 2, 11: 3}, usable, {2}, time_limit_s=1)
    assert plan.shipments == {2: {10: 2, 11: 3}} and plan.status == "fast_path"
    assert plan.backordered == {10: 0, 11: 0}


def test_what_no_warehouse_has_is_backordered() -> None:
    plan = split_order({10: 10, 11: 2}, {1: {10: 4, 11: 2}, 2: {10: 3}}, set(), time_limit_s=5)
    assert plan.backordered == {10: 3, 11: 0}
    assert plan.shipments == {1: {10: 4, 11: 2}, 2: {10: 3}}
    nothing = split_order({10: 1}, {1: {10: 0}}, set(), time_limit_s=1)
    assert nothing.status == "nothing_available" and nothing.shipments == {} and nothing.backordered == {10: 1}
    assert split_order({10: 1}, {}, set(), time_limit_s=1).shipments == {}  # no stock anywhere


# --- booking picks over lines ------------------------------------------------------------------------------

lines = st.lists(st.integers(1, 6), max_size=5).map(lambda needs: [(f"L{k}", n) for k, n in enumerate(needs)])
picks = st.lists(st.tuples(st.integers(1, 10**6), st.integers(1, 6)), max_size=5, unique_by=lambda p: p[0])


def unit_by_unit(lines: list[tuple[str, int]], picks: list[tuple[int, int]]) -> Counter[tuple[str, int]]:
    """The obvious reference: the lines' units in line order meet the picks' units in pick order."""
    want = [line for line, n in lines for _ in range(n)]
    have = [stock for stock, q in picks for _ in range(q)]
    return Counter(zip(want, have, strict=False))


@settings(max_examples=100, deadline=None)
@given(lines, picks)
def test_picks_are_spread_over_the_lines_in_line_order(
    lines: list[tuple[str, int]], picks: list[tuple[int, int]]
) -> None:
    booked, left = spread(lines, picks)
    got = Counter({(line, stock): q for line, parts in booked for stock, q in parts})
    assert got == unit_by_unit(lines, picks)
    wanted, offered = sum(n for _, n in lines), sum(q for _, q in picks)
    assert sum(got.values()) == min(wanted, offered)
    assert sum(got.values()) + sum(n for _, n in left) == wanted  # units conserved
    assert [line for line, _ in booked] == [line for line, _ in lines][: len(booked)]  # in line order, once each
    need = dict(lines)
    assert all(sum(q for _, q in parts) <= need[line] for line, parts in booked)
    # the lines left are the last ones, the first of them perhaps partly booked
    assert [line for line, _ in left] == [line for line, _ in lines][len(lines) - len(left) :]
    if offered >= wanted:
        assert left == []


def test_a_pick_larger_than_a_line_goes_on_to_the_next_line() -> None:
    booked, left = spread([("a", 2), ("b", 3)], [(7, 4), (9, 5)])
    assert booked == [("a", [(7, 2)]), ("b", [(7, 2), (9, 1)])] and left == []
    booked, left = spread([("a", 2), ("b", 3)], [(7, 3)])
    assert booked == [("a", [(7, 2)]), ("b", [(7, 1)])] and left == [("b", 2)]
    assert spread([("a", 2)], []) == ([], [("a", 2)])
