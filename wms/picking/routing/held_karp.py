"""Exact Held–Karp dynamic programme over a distance matrix: the brute-force oracle.

O(2^n · n²) time and O(2^n · n) memory, for the few distinct points of a small
pick list (n ≤ ``MAX_POINTS``). Tests and benchmarks use it as the reference
optimum; the router uses it for tiny pick lists on any layout.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.routing.distance import problem_matrix
from wms.picking.routing.points import finish, unique_problem
from wms.picking.routing.problem import Route, RoutingProblem

MAX_POINTS = 15  # distinct points; 2^15 · 15 states


@njit(cache=True, nogil=True)
def held_karp_path(d, s):
    """Shortest path ``s`` → every other point → depot over matrix ``d`` (depot = last index): (the other
    points in walking order, length). With ``s`` the depot it is the shortest tour."""
    n = d.shape[0] - 1
    others = np.empty(n - 1 if s < n else n, dtype=np.int64)
    k = 0
    for i in range(n):
        if i != s:
            others[k] = i
            k += 1
    m = others.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64), d[s, n]
    full = 1 << m
    cost = np.full((full, m), np.inf)
    parent = np.full((full, m), -1, dtype=np.int64)
    for j in range(m):
        cost[1 << j, j] = d[s, others[j]]
    for mask in range(1, full):
        for j in range(m):
            c = cost[mask, j]
            if c == np.inf:
                continue
            for q in range(m):
                if (mask >> q) & 1:
                    continue
                nxt = mask | (1 << q)
                if c + d[others[j], others[q]] < cost[nxt, q]:
                    cost[nxt, q] = c + d[others[j], others[q]]
                    parent[nxt, q] = j
    best, last = np.inf, -1
    for j in range(m):
        if cost[full - 1, j] + d[others[j], n] < best:
            best, last = cost[full - 1, j] + d[others[j], n], j
    return others[_walk_back(parent, full - 1, last, m)], best


@njit(cache=True, nogil=True)
def held_karp_order(d):
    """Shortest depot → all points → depot order over matrix ``d`` (depot = last index), and its length."""
    return held_karp_path(d, d.shape[0] - 1)


@njit(cache=True, nogil=True)
def _walk_back(parent, mask, last, n):
    order = np.empty(n, dtype=np.int64)
    j = last
    for pos in range(n - 1, -1, -1):
        order[pos] = j
        prev = parent[mask, j]
        mask ^= 1 << j
        j = prev
    return order


def held_karp(problem: RoutingProblem) -> Route:
    """Optimal route of a small pick list (at most ``MAX_POINTS`` distinct points)."""
    unique, inverse = unique_problem(problem)
    if len(unique.aisle) > MAX_POINTS:
        raise ValueError(f"Held–Karp takes at most {MAX_POINTS} distinct points, got {len(unique.aisle)}")
    order, _ = held_karp_order(problem_matrix(unique))
    return finish(problem, order, inverse, "exact")
