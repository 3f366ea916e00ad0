"""Every feasible cart of a wave, enumerated and routed: what exact set partitioning starts from.

For a B2B-sized wave (100 orders, carts of 45 units: one to seven million
cart-sized order sets) every feasible cart is enumerated and routed exactly
(numba, ~25 s); ``set_partition`` proves optimal batchings over them, and the
tests check the priced LP bound (``lp_pricing``, which enumerates nothing)
against the LP over them. With ``traversal=True`` every cart is measured by the classic S-shape walk
(:mod:`wms.picking.routing.traversal`) instead, as the publications' traversal
results are (``set_partition`` and ``order_batching --traversal-check``); on one
block dropping an order never lengthens that walk either.
"""

from __future__ import annotations

import numpy as np
from numba import njit

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
