"""From a problem to jobs: the orders selected into the wave, oversize ones split into pieces.

A job is what the batching algorithms place into carts: a whole order, or one
piece of an order that alone exceeds a cart (:mod:`split`). Jobs are kept as
flat arrays (CSR), ready for the numba kernels: their line entries (line,
units picked, volume) and their distinct pick points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wms.picking.batching.problem import BatchingProblem
from wms.picking.batching.split import SPLIT_TIME_LIMIT_S, exceeds, split_order

SPLIT_SHARE = 0.05  # of the wave's time limit, at most, per CP-SAT packing of an oversize order


@dataclass(frozen=True)
class Jobs:
    order: np.ndarray  # (J,) order index of each job
    rank: np.ndarray  # (J,) position in the wave's urgency order (FCFS order)
    group: np.ndarray  # (J,) carrier group (0 for all when not grouping)
    units: np.ndarray  # (J,) float64
    volume: np.ndarray  # (J,) float64
    entry_start: np.ndarray  # (J + 1,) line entries of job j: entry_start[j]:entry_start[j + 1]
    entry_line: np.ndarray
    entry_units: np.ndarray
    point_start: np.ndarray  # (J + 1,) distinct pick points of job j
    point_aisle: np.ndarray
    point_y: np.ndarray

    @property
    def n(self) -> int:
        return len(self.order)


def select_orders(problem: BatchingProblem) -> np.ndarray:
    """Order indices in the wave, most urgent first (priority rank, then index)."""
    urgency = np.lexsort((np.arange(problem.n_orders), problem.priority)).astype(np.int64)
    if problem.max_wave_orders is not None:
        urgency = urgency[: max(problem.max_wave_orders, 0)]
    return urgency


def _pieces(problem: BatchingProblem, o: int) -> list[list[tuple[int, int, float]]]:
    """The line entries of order ``o``: one piece, or several when it alone exceeds a cart."""
    lo, hi = int(problem.order_start[o]), int(problem.order_start[o + 1])
    lines = np.arange(lo, hi, dtype=np.int64)
    units, volume = problem.line_units[lo:hi], problem.line_volume[lo:hi]
    _, max_units, max_volume = problem.capacity.limits()
    if not exceeds(int(units.sum()), float(volume.sum()), max_units, max_volume):
        return [list(zip(lines.tolist(), units.tolist(), volume.tolist(), strict=True))]
    limit = min(SPLIT_TIME_LIMIT_S, SPLIT_SHARE * problem.time_limit_s)
    return split_order(lines, units, volume, max_units, max_volume, problem.seed, limit)


def _points(problem: BatchingProblem, lines: list[int]) -> np.ndarray:
    """Distinct (aisle, y) of the lines, as an (k, 2) float array."""
    pts = np.stack([problem.line_aisle[lines].astype(np.float64), problem.line_y[lines]], axis=1)
    return np.unique(pts, axis=0)


def make_jobs(problem: BatchingProblem, selected: np.ndarray) -> Jobs:
    group = problem.order_group
    cols: dict[str, list] = {k: [] for k in ("order", "rank", "group", "units", "volume")}
    entries: list[list[tuple[int, int, float]]] = []
    for rank, o in enumerate(selected.tolist()):
        for piece in _pieces(problem, o):
            entries.append(piece)
            cols["order"].append(o)
            cols["rank"].append(rank)
            cols["group"].append(int(group[o]))
            cols["units"].append(float(sum(e[1] for e in piece)))
            cols["volume"].append(float(sum(e[2] for e in piece)))
    points = [_points(problem, [e[0] for e in piece]) for piece in entries]
    flat = [e for piece in entries for e in piece]
    all_points = np.concatenate(points) if points else np.zeros((0, 2))
    return Jobs(
        order=np.array(cols["order"], dtype=np.int64),
        rank=np.array(cols["rank"], dtype=np.int64),
        group=np.array(cols["group"], dtype=np.int64),
        units=np.array(cols["units"]),
        volume=np.array(cols["volume"]),
        entry_start=_starts([len(p) for p in entries]),
        entry_line=np.array([e[0] for e in flat], dtype=np.int64),
        entry_units=np.array([e[1] for e in flat], dtype=np.int64),
        point_start=_starts([len(p) for p in points]),
        point_aisle=all_points[:, 0].astype(np.int64),
        point_y=all_points[:, 1].copy(),
    )


def _starts(sizes: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
