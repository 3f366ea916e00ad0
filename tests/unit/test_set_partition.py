"""The proven optimal batching of ``benchmarks.set_partition`` against a brute force over every partition."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.order_batching import DATA, read_instance, to_problem
from benchmarks.set_partition import min_carts, optimal_batching
from wms.picking.batching.problem import BatchingProblem
from wms.picking.routing.distance import problem_arrays
from wms.picking.routing.problem import RoutingProblem
from wms.picking.routing.traversal import traversal_length


def brute_force(problem: BatchingProblem, capacity: int) -> float:
    """Shortest partition by dynamic programming over subsets, each cart measured by the S-shape walk."""
    n = problem.n_orders
    units = np.diff(problem.order_start)
    cost = np.full(1 << n, np.inf)
    for mask in range(1, 1 << n):
        held = [o for o in range(n) if mask >> o & 1]
        if units[held].sum() <= capacity:
            lines = np.concatenate([np.arange(problem.order_start[o], problem.order_start[o + 1]) for o in held])
            rp = RoutingProblem(problem.line_aisle[lines], problem.line_y[lines], problem.layout)
            cost[mask] = traversal_length(*problem_arrays(rp))
    best = np.full(1 << n, np.inf)
    best[0] = 0.0
    for mask in range(1, 1 << n):
        low = mask & -mask
        sub = mask
        while sub:
            if sub & low:
                best[mask] = min(best[mask], cost[sub] + best[mask ^ sub])
            sub = (sub - 1) & mask
    return float(best[-1])


# (instance, orders, cart capacity): LP gaps closed by cuts and SCIP, and counts of carts the LP cannot take
@pytest.mark.parametrize("instance, n, capacity", [(0, 12, 45), (7, 12, 45), (9, 12, 45), (3, 12, 30), (8, 10, 30)])
def test_matches_the_brute_force_on_a_few_orders(instance: int, n: int, capacity: int) -> None:
    orders = read_instance((DATA / f"70s-100-45-{instance}.txt").read_text())[:n]
    problem = to_problem(orders, capacity=capacity)
    assert min_carts(problem) == -(-sum(len(o) for o in orders) // capacity)
    found = optimal_batching(problem, traversal=True, max_carts=5_000)
    assert found.proven
    assert found.total == brute_force(problem, capacity)
    assert sorted(j for cart in found.carts for j in cart) == list(range(n))
    assert found.lp_bound <= found.total + 1e-6
