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
from wms.picking.batching.carts import job_tuple
from wms.picking.batching.jobs import make_jobs, select_orders
from wms.picking.batching.lengths import layout_tuple
from wms.picking.batching.pricing import later_orders, neighbour_orders, pair_lengths, price
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


def test_neighbour_orders_are_the_symmetric_lists_within_a_group() -> None:
    start = np.array([0, 2, 3, 4, 5])
    nbr = np.array([1, 3, 2, 0, 1])  # 0 → 1, 3; 1 → 2; 2 → 0; 3 → 1
    cs, cand = neighbour_orders(start, nbr, np.array([0, 0, 0, 1]))  # job 3 in another group
    assert [cand[cs[i] : cs[i + 1]].tolist() for i in range(4)] == [[1, 2], [2], [], []]


@pytest.mark.parametrize("seed, carriers", [(5, 1), (6, 2)])
def test_pricing_over_neighbourhoods_finds_exactly_the_negative_carts_within_them(seed: int, carriers: int) -> None:
    """Against every feasible cart: with random duals, the carts of negative reduced cost whose orders are all
    candidates of their first order, no other, each with its exact length; with ``later_orders``, all of them."""
    problem = random_problem(seed, 14, carriers)
    jobs = make_jobs(problem, select_orders(problem))
    n, members, lengths = all_carts(problem)
    lay, jb = layout_tuple(problem.layout), job_tuple(jobs)
    cap = np.array(problem.capacity.limits(), dtype=np.float64)
    solo = np.array([lengths[(members[:, 0] == j) & (members[:, 1] < 0)][0] for j in range(n)])
    rng = np.random.default_rng(seed)
    pi, mu = solo * rng.uniform(0.3, 0.9, n), 1.5
    near = np.array([rng.choice(np.delete(np.arange(n), j), 4, replace=False) for j in range(n)])
    for cs, cand in (neighbour_orders(np.arange(0, 4 * n + 1, 4), near.ravel(), jobs.group), later_orders(jobs.group)):
        floor = pair_lengths(lay, jb, cs, cand, False)
        out = (np.full((5000, int(cap[0])), -1, dtype=np.int64), np.zeros(5000), np.zeros(5000))
        found, _, _, done = price(lay, jb, cap, int(cap[0]), solo, pi, mu, 0, 10**9, False, cs, cand, floor, *out)
        assert done == n and found < 5000
        got = {tuple(sorted(int(j) for j in out[0][c] if j >= 0)): out[1][c] for c in range(found)}
        want = {}
        for row, length in zip(members, lengths, strict=True):
            cart = tuple(sorted(int(j) for j in row if j >= 0))
            allowed = set(cand[cs[cart[0]] : cs[cart[0] + 1]].tolist())
            if (
                len({int(jobs.group[j]) for j in cart}) == 1
                and all(j in allowed for j in cart[1:])
                and length - pi[list(cart)].sum() - mu < -1e-6
            ):
                want[cart] = length
        assert got.keys() == want.keys() and len(want) >= 5 and any(len(c) > 2 for c in want)
        assert all(got[c] == pytest.approx(want[c], abs=1e-9) for c in want)
