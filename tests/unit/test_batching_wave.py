"""Wave invariants: every line once, carts within capacity, orders whole, urgency, carriers, determinism."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.unit.batching_cases import check_wave, layout, problem, same_carts
from wms.inventory.layout import Layout
from wms.picking.batching import (
    BatchingProblem,
    CartCapacity,
    plan_constructive,
    plan_fcfs,
    plan_wave,
)
from wms.picking.batching.jobs import make_jobs, select_orders
from wms.picking.kernels import warm_up
from wms.picking.routing.problem import LayoutArrays

ONE_BLOCK = Layout(
    aisles=4,
    aisle_pitch_m=3.0,
    blocks=1,
    bays_per_block=10,
    bay_width_m=1.0,
    cross_aisle_width_m=2.0,
    levels=1,
    depot_x_m=0.0,
)


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    warm_up()


@pytest.mark.parametrize("blocks", [1, 2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_every_planner_keeps_the_invariants(blocks: int, seed: int) -> None:
    rng = np.random.default_rng(100 * blocks + seed)
    lay = layout(rng, blocks)
    p = problem(rng, lay, int(rng.integers(5, 40)), max_lines=4, max_units=4)
    for result in (
        plan_wave(p),
        plan_wave(p, exact_jobs=0),
        plan_constructive(p),
        plan_fcfs(p),
        plan_fcfs(p, "s_shape"),
    ):
        check_wave(lay, p, result)
        assert len(result.selected) == p.n_orders


@pytest.mark.parametrize("seed", range(3))
def test_volume_and_order_limits(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lay = layout(rng)
    p = problem(rng, lay, 25, capacity=CartCapacity(max_orders=3, max_volume=3.0))
    check_wave(lay, p, plan_wave(p, exact_jobs=0))


def test_improvement_never_worse_than_its_start() -> None:
    rng = np.random.default_rng(7)
    lay = layout(rng)
    p = problem(rng, lay, 40)
    assert plan_wave(p).total_distance <= plan_constructive(p).total_distance + 1e-9


def _orders(*units_per_line: tuple[int, ...]) -> list[list[tuple[int, float, int, float]]]:
    return [
        [(i % 4, ONE_BLOCK.bay_y(1 + 3 * i % 10), u, 1.0 * u) for i, u in enumerate(lines)] for lines in units_per_line
    ]


def test_oversize_order_is_split_into_fewest_pieces() -> None:
    # order 0: 10 units in lines 2, 3, 2, 3 -> two carts of 5; order 1: one line of 12 -> 5, 5, 2
    p = BatchingProblem.from_orders(
        _orders((2, 3, 2, 3), (12,), (1,)),
        LayoutArrays.from_layout(ONE_BLOCK),
        CartCapacity(max_units=5),
        time_limit_s=0.3,
    )
    result = plan_wave(p)
    check_wave(ONE_BLOCK, p, result)
    carts = [pl for pl in result.pick_lists]
    assert sum(0 in pl.orders for pl in carts) == 2
    assert sorted(int(pl.units[pl.lines == 4].sum()) for pl in carts if 1 in pl.orders) == [2, 5, 5]
    jobs = make_jobs(p, select_orders(p))
    assert np.bincount(jobs.order).tolist() == [2, 3, 1]


def test_a_unit_larger_than_a_cart_is_an_error() -> None:
    p = BatchingProblem.from_orders(
        [[(0, 1.5, 1, 9.0)]], LayoutArrays.from_layout(ONE_BLOCK), CartCapacity(max_volume=5.0)
    )
    with pytest.raises(ValueError, match="larger than a cart"):
        plan_wave(p)


@pytest.mark.parametrize("k", [0, 1, 7, 30])
def test_most_urgent_orders_are_selected(k: int) -> None:
    rng = np.random.default_rng(k)
    lay = layout(rng)
    p = problem(rng, lay, 20, max_wave_orders=k)
    urgent = np.argsort(p.priority, kind="stable")[:k]
    for result in (plan_wave(p), plan_fcfs(p)):
        assert result.selected.tolist() == urgent.tolist()
        check_wave(lay, p, result)
        assert {o for pl in result.pick_lists for o in pl.orders} == set(urgent.tolist())


def test_priority_ties_go_by_order_index() -> None:
    p = BatchingProblem.from_orders(
        _orders((1,), (1,), (1,), (1,)),
        LayoutArrays.from_layout(ONE_BLOCK),
        CartCapacity(max_units=2),
        priority=[1, 0, 1, 0],
        max_wave_orders=3,
    )
    assert select_orders(p).tolist() == [1, 3, 0]


@pytest.mark.parametrize("seed", range(3))
def test_carrier_groups_are_never_mixed(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lay = layout(rng)
    n = 30
    p = problem(rng, lay, n, carrier=rng.integers(0, 3, n), group_by_carrier=True)
    for result in (plan_wave(p, exact_jobs=0), plan_wave(p), plan_fcfs(p), plan_constructive(p)):
        check_wave(lay, p, result)


@pytest.mark.parametrize("seed", range(3))
def test_deadline_groups_are_never_mixed_and_early_carts_come_first(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lay = layout(rng)
    n = 30
    carrier = rng.integers(0, 2, n)
    base = problem(rng, lay, n, carrier=carrier, group_by_carrier=seed == 2)
    deadline = (base.priority * 3) // n  # three cut-offs, the most urgent orders in the first
    p = BatchingProblem(**{**base.__dict__, "deadline_group": deadline})
    for result in (plan_wave(p, exact_jobs=0), plan_wave(p), plan_fcfs(p), plan_constructive(p)):
        check_wave(lay, p, result)
        tiers = [int(deadline[pl.orders[0]]) for pl in result.pick_lists]
        assert tiers == sorted(tiers)  # every cart of an earlier cut-off is listed before the later ones


def test_a_bad_deadline_group_is_rejected() -> None:
    base = problem(np.random.default_rng(1), layout(np.random.default_rng(1)), 5)
    for bad in (np.array([0, 1]), np.array([0, 0, -1, 0, 0])):
        with pytest.raises(ValueError, match="deadline_group"):
            BatchingProblem(**{**base.__dict__, "deadline_group": bad})


def test_fcfs_closes_a_cart_only_when_the_next_order_does_not_fit() -> None:
    rng = np.random.default_rng(3)
    lay = layout(rng)
    p = problem(rng, lay, 30, capacity=CartCapacity(max_units=11))
    result = plan_fcfs(p)
    urgency = np.argsort(p.priority, kind="stable").tolist()
    carts = [sorted(pl.orders, key=urgency.index) for pl in result.pick_lists]
    assert [o for cart in sorted(carts, key=lambda c: urgency.index(c[0])) for o in cart] == urgency
    ordered = sorted(carts, key=lambda c: urgency.index(c[0]))
    for cart, nxt in itertools.pairwise(ordered):
        assert p.order_units[cart].sum() + p.order_units[nxt[0]] > 11


def test_same_seed_same_wave() -> None:
    rng = np.random.default_rng(11)
    lay = layout(rng)
    p = problem(rng, lay, 60, time_limit_s=5.0)
    first, second = plan_wave(p), plan_wave(p)
    assert first.status == second.status == "ok"
    assert same_carts(first, second)


def test_empty_wave() -> None:
    p = BatchingProblem.from_orders(
        _orders((1,), (2,)), LayoutArrays.from_layout(ONE_BLOCK), CartCapacity(max_units=2), max_wave_orders=0
    )
    result = plan_wave(p)
    assert result.pick_lists == () and result.total_distance == 0.0 and len(result.selected) == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"order_start": np.array([0, 0, 1])},
        {"line_units": np.array([0])},
        {"priority": np.array([0, 1])},
        {"group_by_carrier": True},
        {"time_limit_s": 0.0},
    ],
)
def test_invalid_problems_are_rejected(bad: dict) -> None:
    base = {
        "order_start": np.array([0, 1]),
        "line_aisle": np.array([0]),
        "line_y": np.array([1.5]),
        "line_units": np.array([1]),
        "line_volume": np.array([1.0]),
        "priority": np.array([0]),
        "layout": LayoutArrays.from_layout(ONE_BLOCK),
        "capacity": CartCapacity(max_units=3),
    }
    with pytest.raises(ValueError):
        BatchingProblem(**{**base, **bad})
