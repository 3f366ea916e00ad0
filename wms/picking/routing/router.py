"""The routing entry point: ``route(problem, method="auto")``.

``auto`` picks the best method the layout allows:

- one block: the exact Ratliff & Rosenthal programme (:mod:`single_block`);
- two blocks: the exact two-block programme (:mod:`two_block`);
- otherwise (three or more blocks): Held–Karp
  for at most ``HELD_KARP_AUTO`` distinct points (exact, ≈ 2 ms at 12), else
  the iterated local search of :mod:`multi_block` (seed 0, its default kick
  budget and time limit), which is never longer than the best classic heuristic.

Every method returns a ``Route`` whose length is the layout.md length of its order, except ``traversal``:
the length of the classic S-shape walk (:mod:`traversal`), which visits the points in that order but may be
longer than the shortest walks between them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from wms.picking.routing.held_karp import held_karp
from wms.picking.routing.heuristics import HEURISTICS
from wms.picking.routing.local_search import improve
from wms.picking.routing.multi_block import best_heuristic, solve_multi_block
from wms.picking.routing.multi_block import warm_up as warm_up_multi_block
from wms.picking.routing.paths import EXACT_POINTS, route_from
from wms.picking.routing.points import unique_problem
from wms.picking.routing.problem import LayoutArrays, Route, RoutingProblem
from wms.picking.routing.single_block import solve_single_block
from wms.picking.routing.two_block import solve_two_block

HELD_KARP_AUTO = 12  # distinct points up to which auto solves any layout exactly (measured ≈ 2 ms at 12)

Solver = Callable[[RoutingProblem], Route]


def improved_heuristic(problem: RoutingProblem) -> Route:
    """The best heuristic route, then 2-opt."""
    return improve(problem, best_heuristic(problem))


def _auto(problem: RoutingProblem) -> Route:
    blocks = problem.layout.blocks
    if blocks == 1:
        return solve_single_block(problem)
    if blocks == 2:
        return solve_two_block(problem)
    if len(unique_problem(problem)[0].aisle) <= HELD_KARP_AUTO:
        return held_karp(problem)
    return solve_multi_block(problem)


METHODS: dict[str, Solver] = {
    "auto": _auto,
    "single_block": solve_single_block,
    "two_block": solve_two_block,
    "held_karp": held_karp,
    "best_heuristic": best_heuristic,
    "improved_heuristic": improved_heuristic,
    "multi_block": solve_multi_block,
    **HEURISTICS,
}


def route(problem: RoutingProblem, method: str = "auto") -> Route:
    """Route a pick list with ``method`` (one of ``METHODS``)."""
    if method not in METHODS:
        raise ValueError(f"unknown routing method {method!r}; choose one of {sorted(METHODS)}")
    return METHODS[method](problem)


def _warm_up_blocks(blocks: int) -> None:
    layout = LayoutArrays(np.array([0.0, 3.0, 6.0]), np.arange(blocks + 1) * 12.0, 1.5)
    problem = RoutingProblem(np.array([0, 2, 2, 1], dtype=np.int64), np.array([1.5, 5.5, 5.5, 7.5]), layout)
    for method in ("auto", "held_karp", "improved_heuristic", "traversal"):
        route(problem, method)
    if blocks >= 3:
        warm_up_multi_block()


def _warm_up_paths() -> None:
    """The rest of a route after a short pick: exact (few points) and heuristic (many)."""
    layout = LayoutArrays(np.arange(4) * 3.0, np.array([0.0, 30.0]), 1.5)
    for n in (3, EXACT_POINTS + 2):
        problem = RoutingProblem(np.arange(n, dtype=np.int64) % 4, np.arange(n) * 1.5 + 0.5, layout)
        route_from(problem, (1, 10.0))


WARM_UP_STEPS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("routes through one block", lambda: _warm_up_blocks(1)),
    ("the rest of a route after a short pick", _warm_up_paths),
    ("routes through two blocks", lambda: _warm_up_blocks(2)),
    ("routes through three or more blocks", lambda: _warm_up_blocks(3)),
)


def warm_up() -> None:
    """Compile (or load from the cache) every numba kernel once, e.g. at start-up."""
    for _, step in WARM_UP_STEPS:
        step()
