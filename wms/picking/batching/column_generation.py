"""Column generation into the recombination's pool: carts of negative reduced cost among neighbours.

The annealing's pool (:mod:`columns`) holds the carts it met, which depend on its random walk. Before the
recombination, ``price_into_pool`` completes the pool: GLOP's covering LP (``CoveringMaster``: every job on at
least one cart, at least ``lower_bound`` carts) over the pool's distinct carts and every job alone, priced by
the exact pricer (:mod:`pricing`) over each job's neighbours (the search's candidate lists made symmetric),
round after round until no such cart has a negative reduced cost or the pricing's work (cart lengths,
counted as the search's work) is spent. The carts found join the pool; the recombination then picks from
it as always. Single-block layouts only (exact, monotone cart lengths).
"""

from __future__ import annotations

import numpy as np
from ortools.linear_solver import pywraplp

from wms.picking.batching.columns import distinct_columns, members, record_all, record_jobs
from wms.picking.batching.pricing import neighbour_orders, pair_lengths, price
from wms.picking.batching.search import Search

PER_ROUND = 500  # priced carts added to the master per round


class CoveringMaster:
    """GLOP's LP over the carts added: every order on at least one, at least ``min_carts`` carts, ``x >= 0``."""

    def __init__(self, n: int, min_carts: int) -> None:
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        inf = self.lp.infinity()
        self.rows = [self.lp.Constraint(1.0, inf) for _ in range(n)]
        self.count = self.lp.Constraint(float(min_carts), inf)
        self.objective = self.lp.Objective()
        self.objective.SetMinimization()
        self.seen: set[tuple[int, ...]] = set()

    def add(self, cart: tuple[int, ...], length: float) -> bool:
        """Add the cart (its orders ascending); False when the master has it already."""
        if cart in self.seen:
            return False
        self.seen.add(cart)
        var = self.lp.NumVar(0.0, self.lp.infinity(), "")
        self.objective.SetCoefficient(var, float(length))
        self.count.SetCoefficient(var, 1.0)
        for j in cart:
            self.rows[j].SetCoefficient(var, 1.0)
        return True

    def solve(self) -> tuple[float, np.ndarray, float]:
        """(LP value, the orders' duals, the cart count's dual)."""
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            raise RuntimeError("GLOP did not solve the restricted LP to optimality")
        return self.objective.Value(), np.array([r.dual_value() for r in self.rows]), self.count.dual_value()


def price_into_pool(s: Search, st: tuple, max_lengths: int) -> dict[str, float]:
    """Column generation over the neighbourhoods from the pool and the carts ``st``; the carts found join
    ``s.pool``. Stops when converged, when ``max_lengths`` cart lengths are spent, or when the wall-clock time
    left is what the recombination after it needs at the search's pace (``Search.pace``)."""
    record_all(s.pool, st)
    masks, lengths = distinct_columns(s.pool)
    n = len(s.solo)
    master = CoveringMaster(n, s.lower_bound)
    for row, length in zip(members(masks, n), lengths.tolist(), strict=True):
        master.add(tuple(np.nonzero(row)[0].tolist()), length)
    for j in range(n):
        master.add((j,), float(s.solo[j]))
    cs, cand = neighbour_orders(s.nbr_start, s.nbr, np.asarray(s.jb[5]))
    floor = pair_lengths(s.lay, s.jb, cs, cand, False)
    spent, rounds, converged, value = len(floor), 0, False, float("nan")
    out = (np.full((4 * PER_ROUND, s.members), -1, dtype=np.int64), np.zeros(4 * PER_ROUND), np.zeros(4 * PER_ROUND))
    while spent < max_lengths and s.pace() * s.recombine_s < s.remaining_s():  # the recombination's time kept
        rounds += 1
        value, pi, mu = master.solve()
        found, _, nodes, done = price(
            s.lay, s.jb, s.cap, s.members, s.solo, pi, mu, 0, max_lengths - spent, False, cs, cand, floor, *out
        )
        spent += nodes
        if found == 0:
            converged = done == n  # else the lengths ran out within a pass
            break
        for c in np.argsort(out[2][:found], kind="stable")[:PER_ROUND].tolist():
            cart = out[0][c][out[0][c] >= 0]
            if master.add(tuple(sorted(cart.tolist())), float(out[1][c])):
                record_jobs(s.pool, cart, float(out[1][c]))
    s.work[0] += spent
    return {"lp": value, "rounds": rounds, "lengths": spent, "converged": float(converged)}
