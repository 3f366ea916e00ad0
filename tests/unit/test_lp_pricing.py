"""The LP bound by column generation (``benchmarks.lp_pricing``) against the LP over every enumerated cart."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.lp_pricing import lp_bound_priced
from benchmarks.order_batching import DATA, read_instance, to_problem
from benchmarks.set_partition import Master
from benchmarks.wave_bounds import all_carts
from wms.picking.batching import plan_wave
from wms.picking.batching.jobs import make_jobs, select_orders
from wms.picking.batching.problem import BatchingProblem, CartCapacity
from wms.picking.routing.problem import LayoutArrays


def enumerated_lp(problem: BatchingProblem, traversal: bool = False) -> float:
    """The LP over every feasible cart (one carrier group each), at least ⌈units / cart⌉ carts: GLOP, exact pricing
    by scanning all of them (``set_partition.Master``)."""
    n, members, lengths = all_carts(problem, traversal)
    group = make_jobs(problem, select_orders(problem)).group
    same = np.array([len({int(group[j]) for j in row if j >= 0}) == 1 for row in members])
    members, lengths = members[same], lengths[same]
    master = Master(members, lengths, n)
    n_max, u_max, _ = problem.capacity.limits()
    units = make_jobs(problem, select_orders(problem)).units.sum()
    master.count.SetBounds(
        max(1, math.ceil(n / n_max - 1e-9), math.ceil(units / u_max - 1e-9)), master.solver.infinity()
    )
    value, _, converged = master.price_out()
    assert converged
    return value


@pytest.mark.parametrize("instance, n, capacity", [(0, 24, 45), (5, 30, 45), (9, 26, 30)])
@pytest.mark.parametrize("traversal", [False, True])
def test_published_orders_priced_lp_equals_the_enumerated_one(
    instance: int, n: int, capacity: int, traversal: bool
) -> None:
    problem = to_problem(read_instance((DATA / f"70s-100-45-{instance}.txt").read_text())[:n], capacity=capacity)
    found = lp_bound_priced(problem, traversal=traversal)
    assert found.converged and found.bound == found.lp_bound
    assert found.lp_bound == pytest.approx(enumerated_lp(problem, traversal), abs=1e-6)


def random_problem(seed: int, n: int, carriers: int) -> BatchingProblem:
    rng = np.random.default_rng(seed)
    layout = LayoutArrays(np.arange(8) * 4.0, np.array([0.0, 30.0]), 6.0)
    orders = [
        [
            (int(rng.integers(0, 8)), float(rng.uniform(0.5, 29.5)), int(rng.integers(1, 3)), 1.0)
            for _ in range(int(rng.integers(1, 5)))
        ]
        for _ in range(n)
    ]
    return BatchingProblem.from_orders(
        orders,
        layout,
        CartCapacity(max_orders=4, max_units=9),
        carrier=rng.integers(0, carriers, size=n),
        group_by_carrier=carriers > 1,
    )


@pytest.mark.parametrize("seed, carriers", [(1, 1), (2, 2), (3, 3)])
def test_random_waves_priced_lp_equals_the_enumerated_one_and_bounds_the_plan(seed: int, carriers: int) -> None:
    problem = random_problem(seed, 28, carriers)
    found = lp_bound_priced(problem)
    assert found.converged
    assert found.lp_bound == pytest.approx(enumerated_lp(problem), abs=1e-6)
    assert found.lp_bound <= plan_wave(problem).total_distance + 1e-6


def test_an_unconverged_lp_is_never_reported_as_the_bound() -> None:
    problem = to_problem(read_instance((DATA / "70s-100-45-2.txt").read_text())[:30])
    cut = lp_bound_priced(problem, max_nodes=50)
    full = lp_bound_priced(problem)
    assert not cut.converged and math.isnan(cut.lp_bound)
    assert cut.bound <= full.lp_bound + 1e-6  # a Farley bound from a complete pass, or -inf without one
    few = lp_bound_priced(problem, max_rounds=2)
    assert not few.converged and math.isnan(few.lp_bound)
    assert math.isfinite(few.bound) and few.bound <= full.lp_bound + 1e-6  # Farley's, from a complete pass


def test_two_blocks_are_refused() -> None:
    problem = random_problem(4, 10, 1)
    two = BatchingProblem(
        **{**problem.__dict__, "layout": LayoutArrays(np.arange(8) * 4.0, np.array([0.0, 15.0, 30.0]), 6.0)}
    )
    with pytest.raises(ValueError, match="single-block"):
        lp_bound_priced(two)
