"""2-opt improvement of a pick route over the layout's distance matrix.

Reverses a stretch of the closed tour depot → order → depot whenever that
shortens it, until no reversal does (first improvement). The metric of
layout.md is symmetric, so a reversal only changes its two end edges.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.routing.distance import problem_matrix
from wms.picking.routing.points import finish, unique_problem
from wms.picking.routing.problem import Route, RoutingProblem

EPS = 1e-9


@njit(cache=True, nogil=True)
def two_opt_from(d, order, first):
    """2-opt local optimum of ``order`` walked from point ``first`` to the depot (last index), both ends fixed."""
    n = order.shape[0]
    tour = np.empty(n + 2, dtype=np.int64)
    tour[0], tour[n + 1] = first, d.shape[0] - 1
    tour[1 : n + 1] = order
    improved = True
    while improved:
        improved = False
        for i in range(1, n):
            for j in range(i + 1, n + 1):
                a, b, c, e = tour[i - 1], tour[i], tour[j], tour[j + 1]
                if d[a, c] + d[b, e] < d[a, b] + d[c, e] - EPS:
                    tour[i : j + 1] = tour[i : j + 1][::-1].copy()
                    improved = True
    return tour[1 : n + 1].copy()


@njit(cache=True, nogil=True)
def two_opt(d, order):
    """2-opt local optimum of the tour ``order`` over matrix ``d`` (depot = last index)."""
    return two_opt_from(d, order, d.shape[0] - 1)


@njit(cache=True, nogil=True)
def walk_length(d, order, first):
    """Length of ``first`` → ``order`` → depot (last index) over matrix ``d``; from the depot, a tour."""
    total, cur = 0.0, first
    for k in range(order.shape[0]):
        total += d[cur, order[k]]
        cur = order[k]
    return total + d[cur, d.shape[0] - 1]


def improve(problem: RoutingProblem, route: Route) -> Route:
    """``route`` made 2-opt optimal; status ``improved`` (length recomputed from the layout)."""
    unique, inverse = unique_problem(problem)
    if len(unique.aisle) < 3:
        return route
    visits = inverse[np.asarray(route.order, dtype=np.int64)]
    _, first = np.unique(visits, return_index=True)
    start = visits[np.sort(first)]
    better = finish(problem, two_opt(problem_matrix(unique), start), inverse, "improved")
    return better if better.length < route.length else route
