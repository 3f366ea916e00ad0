"""Routing in layouts without an exact programme (three or more blocks): iterated local search.

``solve_multi_block`` starts from the shortest classic heuristic route, makes
it 2-opt and Or-opt optimal and then runs an iterated local search
(:mod:`wms.picking.routing.iterated`) over the distinct points' distance matrix:
``kicks`` double-bridge perturbations, each followed by 2-opt + Or-opt.

- Deterministic: the kicks' random numbers come from ``numpy`` seeded with
  ``seed``; the same problem and seed give the same route, unless the time
  limit cuts the search short. The limit bounds the kicks (the clock is read
  between rounds of ``ROUND`` kicks); the start (heuristics, first local
  search, about 1 ms) always runs. The default kick budget ends the search
  long before the default limit (about 12 ms for 60 points on a 2-vCPU VM), so
  the limit only bites on a very long list or a starved machine.
- Never longer than the best classic heuristic: the shorter of the two routes,
  both measured with the layout's distance kernel, is returned.
- Works on any layout (any number of blocks); it is simply not needed where an
  exact programme exists.
"""

from __future__ import annotations

import time

import numpy as np

from wms.picking.routing.distance import problem_matrix
from wms.picking.routing.heuristics import HEURISTICS
from wms.picking.routing.iterated import kicks, local_optimum, nearest
from wms.picking.routing.points import finish, unique_problem
from wms.picking.routing.problem import LayoutArrays, Route, RoutingProblem

SEED = 0
TIME_LIMIT_S = 0.05  # per route, for the kicks; the kick budget normally ends the search well before
ROUND = 16  # kicks between two looks at the clock
NEAR = 10  # candidate list length: a move joins a point to one of its NEAR nearest


def default_kicks(n: int) -> int:
    """Kicks for ``n`` distinct points: 10 per point, at least 100, at most 600 (≈ 12 ms at 60 points)."""
    return int(min(max(10 * n, 100), 600))


def best_heuristic(problem: RoutingProblem) -> Route:
    """The shortest route of the classic heuristics.

    ``traversal`` is left out: it walks ``s_shape``'s order and is never shorter, and its length is not its
    order's layout length (the local search starts from the order and compares lengths).
    """
    return min((h(problem) for name, h in HEURISTICS.items() if name != "traversal"), key=lambda r: r.length)


def _start_tour(route: Route, inverse: np.ndarray, n: int) -> np.ndarray:
    """Closed tour (depot n at both ends) of the distinct points in the order ``route`` first visits them."""
    visits = inverse[np.asarray(route.order, dtype=np.int64)]
    _, first = np.unique(visits, return_index=True)
    tour = np.empty(n + 2, dtype=np.int64)
    tour[0] = tour[n + 1] = n
    tour[1 : n + 1] = visits[np.sort(first)]
    return tour


def search(d: np.ndarray, start: np.ndarray, n_kicks: int, seed: int, time_limit_s: float) -> np.ndarray:
    """Best closed tour found from ``start`` by local search and ``n_kicks`` kicks within the time limit."""
    deadline = time.perf_counter() + time_limit_s
    near = nearest(d, NEAR)
    current = local_optimum(d, start, near)
    best = current.copy()
    if len(start) < 4:  # fewer than two points: nothing to perturb
        return best
    u = np.random.default_rng(seed).random((n_kicks, 3))
    for lo in range(0, n_kicks, ROUND):
        if time.perf_counter() >= deadline:
            break
        current, best = kicks(d, near, current, best, u[lo : lo + ROUND])
    return best


def solve_multi_block(
    problem: RoutingProblem, seed: int = SEED, time_limit_s: float = TIME_LIMIT_S, n_kicks: int | None = None
) -> Route:
    """Iterated local search from the best classic heuristic route; status ``improved``.

    ``n_kicks`` defaults to ``default_kicks`` of the distinct points; the result is
    never longer than the best classic heuristic route (which is returned if it is
    not beaten).
    """
    start = best_heuristic(problem)
    unique, inverse = unique_problem(problem)
    n = len(unique.aisle)
    if n < 3:
        return start
    kicks_to_run = default_kicks(n) if n_kicks is None else int(n_kicks)
    tour = search(problem_matrix(unique), _start_tour(start, inverse, n), kicks_to_run, seed, time_limit_s)
    found = finish(problem, tour[1 : n + 1], inverse, "improved")
    return found if found.length < start.length else start


def warm_up() -> None:
    """Compile (or load from the cache) the kernels; no time limit, so that the kicks compile too."""
    layout = LayoutArrays(np.array([0.0, 3.0, 6.0]), np.arange(4) * 12.0, 1.5)
    aisle = np.array([0, 2, 2, 1, 0, 1], dtype=np.int64)
    problem = RoutingProblem(aisle, np.array([1.5, 5.5, 17.5, 7.5, 30.5, 26.5]), layout)
    solve_multi_block(problem, time_limit_s=float("inf"), n_kicks=2)
