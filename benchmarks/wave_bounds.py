"""A lower bound on the shortest wave: the LP relaxation of set partitioning over *every* cart.

For a B2B-sized wave (100 orders, carts of 45 units: about two million
cart-sized order sets) every feasible cart is enumerated and routed exactly
(numba, ~25 s), then the LP ``min Σ length[c] x[c] s.t. every order covered,
x >= 0`` is solved by column generation with GLOP (pricing = scanning all
carts' reduced costs, exact). Covering equals partitioning here: dropping an
order from a cart never makes its route longer. The LP optimum bounds every
batching from below, so it tells whether a target is attainable at all.
With ``traversal=True`` every cart is measured by the classic S-shape walk
(:mod:`wms.picking.routing.traversal`) instead, as the publications' traversal
results are (``set_partition`` and ``order_batching --traversal-check``); on one
block dropping an order never lengthens that walk either.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from ortools.linear_solver import pywraplp

from wms.picking.batching.carts import job_tuple
from wms.picking.batching.jobs import make_jobs, select_orders
from wms.picking.batching.lengths import layout_tuple, points_length
from wms.picking.batching.problem import BatchingProblem
from wms.picking.routing.traversal import traversal_length

MAX_CARTS = 6_000_000


@njit(cache=True)
def _enumerate(lay, jb, max_units, max_orders, members, lengths, traversal=False):
    """Every set of jobs within the cart's units and orders (DFS); returns how many were stored.

    Lengths are exact routes (``points_length``), or classic S-shape walks with ``traversal``.
    """
    n = jb[3].shape[0]
    k_max = members.shape[1]
    stack = np.full(k_max + 1, -1, dtype=np.int64)
    units = np.zeros(k_max + 1)
    ba = np.empty(jb[1].shape[0], dtype=np.int64)
    by = np.empty(jb[1].shape[0])
    count, k = 0, 0
    while k >= 0:
        stack[k] += 1
        if stack[k] >= n:
            k -= 1
            continue
        u = units[k] + jb[3][stack[k]]
        if u > max_units or count >= members.shape[0]:
            continue
        m = 0
        for q in range(k + 1):
            for p in range(jb[0][stack[q]], jb[0][stack[q] + 1]):
                ba[m], by[m] = jb[1][p], jb[2][p]
                m += 1
        members[count, : k + 1] = stack[: k + 1]
        if traversal:
            lengths[count] = traversal_length(lay[0], lay[1], lay[2], ba[:m], by[:m])
        else:
            lengths[count] = points_length(lay, ba[:m], by[:m])
        count += 1
        if k + 1 < min(k_max, max_orders):
            units[k + 1], stack[k + 1] = u, stack[k]
            k += 1
    return count


@njit(cache=True)
def _reduced_costs(members, lengths, duals):
    out = lengths.copy()
    for c in range(members.shape[0]):
        for k in range(members.shape[1]):
            if members[c, k] < 0:
                break
            out[c] -= duals[members[c, k]]
    return out


def _lp(members: np.ndarray, lengths: np.ndarray, cols: list[int], n: int) -> tuple[float, np.ndarray]:
    solver = pywraplp.Solver.CreateSolver("GLOP")
    x = [solver.NumVar(0, solver.infinity(), "") for _ in cols]
    rows: list[list] = [[] for _ in range(n)]
    for var, c in zip(x, cols, strict=True):
        for j in members[c][members[c] >= 0]:
            rows[j].append(var)
    cons = [solver.Add(sum(r) >= 1) for r in rows]
    solver.Minimize(sum(float(lengths[c]) * v for v, c in zip(x, cols, strict=True)))
    solver.Solve()
    return solver.Objective().Value(), np.array([c.dual_value() for c in cons])


def all_carts(
    problem: BatchingProblem, traversal: bool = False, max_carts: int = MAX_CARTS
) -> tuple[int, np.ndarray, np.ndarray]:
    """(number of jobs, members, lengths) of every feasible cart; members are job indices, -1 padded."""
    jobs = make_jobs(problem, select_orders(problem))
    lay, jb = layout_tuple(problem.layout), job_tuple(jobs)
    n_max, u_max, _ = problem.capacity.limits()
    k_max = int(min(jobs.n, n_max, u_max // max(jobs.units.min(), 1)))
    members = np.full((max_carts, k_max), -1, dtype=np.int16)
    lengths = np.zeros(max_carts)
    count = _enumerate(lay, jb, u_max, min(n_max, 10**9), members, lengths, traversal)
    if count >= max_carts:
        raise ValueError("too many carts to enumerate")
    return jobs.n, members[:count].copy(), lengths[:count].copy()


def lp_bound(problem: BatchingProblem, max_rounds: int = 200, traversal: bool = False) -> dict[str, float]:
    """The LP bound of the wave (orders split into pieces as the planner does) and how it was found."""
    n, members, lengths = all_carts(problem, traversal)
    cols = np.nonzero(members[:, 1] < 0)[0].tolist()  # single jobs
    in_lp = set(cols)
    value = np.inf
    for _ in range(max_rounds):
        value, duals = _lp(members, lengths, cols, n)
        red = _reduced_costs(members, lengths, duals)
        new = [int(c) for c in np.argsort(red)[:3000] if red[c] < -1e-6 and int(c) not in in_lp]
        if not new:
            break
        cols += new
        in_lp.update(new)
    return {"lp_bound": float(value), "carts_enumerated": float(len(lengths)), "columns": float(len(cols))}
