"""The LP bound of a wave at any size: column generation with an exact pricer, nothing enumerated (issue 13).

The LP is ``min Σ length·x`` over carts, every order on at least one cart (covering equals partitioning on
one block: dropping an order never lengthens a route), at least ``min_carts`` carts (⌈units / cart units⌉,
likewise volume and orders; the LP alone undercuts it), ``x >= 0``. Its optimum bounds every batching from
below. ``wave_bounds.all_carts`` lists every cart and stops being possible at about 110 B2B orders; here the
carts are priced instead:

- The master is GLOP's LP, kept across rounds, started from every order alone on a cart (and any carts the
  caller knows, e.g. the planner's).
- The pricer (``wms.picking.batching.pricing``, shared with the planner) goes depth first over order sets in
  increasing index order, within the cart's units, volume,
  orders and carrier group, and cuts a branch when ``max(length(S), length({i, a})) − π(S ∪ {a}) − μ − gain
  ≥ −ε`` (i the cart's first order, a the one joining, the pair lengths computed once): ``gain`` bounds the
  duals the later orders could still add (the best ``slots`` positive duals among those that fit, and a
  fractional knapsack on units). Routes on one block are exact and never shorten when an order joins, so
  the cut loses no cart of negative reduced cost: a complete pass that finds none proves the LP optimal over
  every cart.
- Every complete pass also gives a valid bound before convergence (Farley's): with ``ρ`` the least reduced
  cost of any cart, no batching is shorter than ``LP_restricted + n·min(0, ρ)`` (at most ``n`` carts).
- A pass that reaches ``max_nodes`` cart lengths is incomplete: its carts still join the master, but it
  proves nothing. ``lp_bound`` returns ``nan`` as the LP bound unless the last pass was complete and found
  nothing; it never reports an unconverged value as a bound.

Two-block layouts are refused: their cart lengths are heuristic tours, not exact routes, so neither the cut
nor the bound would be valid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wms.picking.batching.carts import job_tuple
from wms.picking.batching.column_generation import CoveringMaster
from wms.picking.batching.jobs import make_jobs, select_orders
from wms.picking.batching.lengths import layout_tuple
from wms.picking.batching.pricing import later_orders, pair_lengths, price, route_length
from wms.picking.batching.problem import BatchingProblem
from wms.picking.batching.search import max_members, min_carts

OUT = 4000  # carts one pass stores: a pass stops after the anchor that fills them (partial pricing)
PER_ROUND = 2000  # carts added per round
MAX_NODES = 20_000_000  # cart lengths one pass may compute


@dataclass(frozen=True)
class PricedBound:
    lp_bound: float  # the LP optimum over every cart, nan unless proven (last pass complete, nothing found)
    bound: float  # the best valid lower bound found (Farley's from any complete pass, or the LP), -inf if none
    converged: bool
    rounds: int
    columns: int  # carts in the master at the end
    lengths: int  # cart lengths the pricer computed in all


def lp_bound_priced(
    problem: BatchingProblem,
    traversal: bool = False,
    carts: list[list[int]] | None = None,
    max_rounds: int = 500,
    max_nodes: int = MAX_NODES,
) -> PricedBound:
    """The LP bound of the wave (orders split into pieces as the planner does), by column generation."""
    if problem.layout.blocks != 1:
        raise ValueError("the priced LP bound needs a single-block layout (exact, monotone cart lengths)")
    jobs = make_jobs(problem, select_orders(problem))
    n = jobs.n
    lay, jb = layout_tuple(problem.layout), job_tuple(jobs)
    cap = np.array(problem.capacity.limits(), dtype=np.float64)
    width = max_members(jobs, cap)
    master = CoveringMaster(n, min_carts(jobs, cap))
    add = master.add

    solo = np.array([_cart_length(lay, jb, [j], traversal) for j in range(n)])
    for j in range(n):
        add((j,), solo[j])
    for cart in carts or []:
        add(tuple(sorted(cart)), _cart_length(lay, jb, cart, traversal))
    cs, cand = later_orders(np.asarray(jb[5]))
    floor = pair_lengths(lay, jb, cs, cand, traversal)
    out = (np.full((OUT, width), -1, dtype=np.int64), np.zeros(OUT), np.zeros(OUT))
    bound, total, converged, rounds, anchor, value = -np.inf, len(floor), False, 0, 0, float("nan")
    while rounds < max_rounds:
        rounds += 1
        value, pi, mu = master.solve()
        found, least, nodes, done = price(
            lay, jb, cap, width, solo, pi, mu, anchor, max_nodes, traversal, cs, cand, floor, *out
        )
        complete, anchor = done == n, (anchor + done) % n
        total += nodes
        if complete:
            bound = max(bound, value + n * min(0.0, least))
            if found == 0:
                converged, bound = True, max(bound, value)
                break
        best = np.argsort(out[2][:found], kind="stable")[:PER_ROUND]
        new = [add(tuple(sorted(int(j) for j in out[0][c] if j >= 0)), out[1][c]) for c in best.tolist()]
        if found and not any(new):
            break  # the pricer only found carts the master has: numerical trouble, unconverged
    return PricedBound(
        lp_bound=float(value) if converged else float("nan"),
        bound=float(bound),
        converged=converged,
        rounds=rounds,
        columns=len(master.seen),
        lengths=total,
    )


def _cart_length(lay: tuple, jb: tuple, cart: list[int] | tuple[int, ...], traversal: bool) -> float:
    pts = np.concatenate([np.arange(jb[0][j], jb[0][j + 1]) for j in cart])
    return float(route_length(lay, jb[1][pts], jb[2][pts], traversal))
