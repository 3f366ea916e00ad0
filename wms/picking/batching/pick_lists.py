"""From carts of jobs to pick lists routed by the routing core, and the wave result."""

from __future__ import annotations

import numpy as np

from wms.picking.batching.jobs import Jobs
from wms.picking.batching.problem import BatchingProblem, PickList, WaveResult
from wms.picking.routing.problem import RoutingProblem
from wms.picking.routing.router import route


def pick_list(problem: BatchingProblem, jobs: Jobs, cart: list[int], method: str = "auto") -> PickList:
    """The cart's line entries (a line cut into chunks counted once, units summed), routed with ``method``."""
    units: dict[int, int] = {}
    for j in cart:
        for e in range(jobs.entry_start[j], jobs.entry_start[j + 1]):
            line = int(jobs.entry_line[e])
            units[line] = units.get(line, 0) + int(jobs.entry_units[e])
    lines = np.array(sorted(units), dtype=np.int64)
    qty = np.array([units[ln] for ln in lines.tolist()], dtype=np.int64)
    walk = route(
        RoutingProblem(aisle=problem.line_aisle[lines], y=problem.line_y[lines], layout=problem.layout), method
    )
    orders = tuple(sorted({int(jobs.order[j]) for j in cart}))
    return PickList(orders=orders, lines=lines[walk.order], units=qty[walk.order], length=float(walk.length))


def wave_result(
    problem: BatchingProblem,
    jobs: Jobs,
    carts: list[list[int]],
    selected: np.ndarray,
    method: str,
    status: str = "ok",
    stats: dict[str, float] | None = None,
    routing: str = "auto",
) -> WaveResult:
    """Pick lists in a canonical order (by their most urgent order), each routed by ``routing``."""
    carts = sorted(
        (sorted(c, key=lambda j: (jobs.rank[j], j)) for c in carts if c), key=lambda c: (jobs.rank[c[0]], c[0])
    )
    lists = tuple(pick_list(problem, jobs, c, routing) for c in carts)
    return WaveResult(
        pick_lists=lists,
        total_distance=float(sum(p.length for p in lists)),
        selected=selected,
        method=method,
        status=status,
        stats=dict(stats or {}),
    )
