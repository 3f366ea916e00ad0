"""The wave planner's plain-data interface: a frozen problem in, a wave result out.

Pure: numpy only, no database, no web. Orders are given by their lines in one
flat table (``order_start`` delimits the lines of each order, as in CSR); a
line is one pick point (0-based aisle, y of ``spec/layout.md``) with a unit
count and a volume. An order's units and volume are the sums over its lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wms.picking.routing.problem import LayoutArrays

Line = tuple[int, float, int, float]  # (aisle 0-based, y, units, volume)


@dataclass(frozen=True)
class CartCapacity:
    """What one cart (one pick list) may hold; None = no limit of that kind."""

    max_orders: int | None = None
    max_units: int | None = None
    max_volume: float | None = None

    def limits(self) -> tuple[float, float, float]:
        """(orders, units, volume), inf where unlimited."""
        inf = float("inf")
        return (
            inf if self.max_orders is None else float(self.max_orders),
            inf if self.max_units is None else float(self.max_units),
            inf if self.max_volume is None else float(self.max_volume),
        )


@dataclass(frozen=True)
class BatchingProblem:
    order_start: np.ndarray  # (n_orders + 1,) int64: order i owns lines order_start[i]:order_start[i + 1]
    line_aisle: np.ndarray  # (n_lines,) int64, 0-based aisle of the line's pick point
    line_y: np.ndarray  # (n_lines,) float64, y of the pick point
    line_units: np.ndarray  # (n_lines,) int64, units to pick (> 0)
    line_volume: np.ndarray  # (n_lines,) float64, volume of those units (>= 0)
    priority: np.ndarray  # (n_orders,) int64 rank: lower = more urgent (ship-by, then arrival)
    layout: LayoutArrays
    capacity: CartCapacity
    carrier: np.ndarray | None = None  # (n_orders,) int64 carrier group id
    group_by_carrier: bool = False  # one carrier group per pick list
    deadline_group: np.ndarray | None = None  # (n_orders,) int64 >= 0: orders of different groups never share a list
    max_wave_orders: int | None = None  # at most this many orders (the most urgent) in the wave
    time_limit_s: float = 2.0
    seed: int = 0
    workers: int = 1  # CP-SAT workers (the local search is single-threaded)

    def __post_init__(self) -> None:
        n, n_lines = len(self.order_start) - 1, len(self.line_aisle)
        if n < 0 or self.order_start[0] != 0 or self.order_start[-1] != n_lines:
            raise ValueError("order_start must run from 0 to the number of lines")
        if np.any(np.diff(self.order_start) < 1):
            raise ValueError("every order needs at least one line")
        if not len(self.line_y) == len(self.line_units) == len(self.line_volume) == n_lines:
            raise ValueError("line arrays must have one entry per line")
        if len(self.priority) != n or (self.carrier is not None and len(self.carrier) != n):
            raise ValueError("priority and carrier need one entry per order")
        if np.any(self.line_units < 1) or np.any(self.line_volume < 0):
            raise ValueError("line units must be positive and volumes non-negative")
        if self.group_by_carrier and self.carrier is None:
            raise ValueError("grouping by carrier needs the carrier of every order")
        if self.deadline_group is not None and (len(self.deadline_group) != n or np.any(self.deadline_group < 0)):
            raise ValueError("deadline_group needs one non-negative entry per order")
        if self.time_limit_s <= 0 or self.workers < 1:
            raise ValueError("time_limit_s must be positive and workers at least 1")

    @property
    def n_orders(self) -> int:
        return len(self.order_start) - 1

    @property
    def order_group(self) -> np.ndarray:
        """Every order's batching group: a pick list holds one group only (its carrier when grouping by
        carrier, and its deadline group when there are any)."""
        group = np.zeros(self.n_orders, dtype=np.int64)
        if self.group_by_carrier and self.carrier is not None:
            group = np.asarray(self.carrier, dtype=np.int64).copy()
        if self.deadline_group is not None and self.n_orders:
            group = group * (int(self.deadline_group.max()) + 1) + np.asarray(self.deadline_group, dtype=np.int64)
        return group

    @property
    def line_order(self) -> np.ndarray:
        """Order index of every line."""
        return np.repeat(np.arange(self.n_orders, dtype=np.int64), np.diff(self.order_start))

    @property
    def order_units(self) -> np.ndarray:
        return np.bincount(self.line_order, weights=self.line_units, minlength=self.n_orders).astype(np.int64)

    @property
    def order_volume(self) -> np.ndarray:
        return np.bincount(self.line_order, weights=self.line_volume, minlength=self.n_orders)

    @classmethod
    def from_orders(
        cls,
        orders: Sequence[Sequence[Line]],
        layout: LayoutArrays,
        capacity: CartCapacity,
        priority: Sequence[int] | None = None,
        **options: Any,
    ) -> BatchingProblem:
        """A problem from per-order line tuples; priority defaults to the given order (arrival)."""
        lines = [line for order in orders for line in order]
        start = np.concatenate([[0], np.cumsum([len(o) for o in orders])]).astype(np.int64)
        col = list(zip(*lines, strict=True)) if lines else [(), (), (), ()]
        carrier = options.pop("carrier", None)
        deadline_group = options.pop("deadline_group", None)
        return cls(
            order_start=start,
            line_aisle=np.array(col[0], dtype=np.int64),
            line_y=np.array(col[1], dtype=np.float64),
            line_units=np.array(col[2], dtype=np.int64),
            line_volume=np.array(col[3], dtype=np.float64),
            priority=np.arange(len(orders), dtype=np.int64)
            if priority is None
            else np.asarray(priority, dtype=np.int64),
            layout=layout,
            capacity=capacity,
            carrier=None if carrier is None else np.asarray(carrier, dtype=np.int64),
            deadline_group=None if deadline_group is None else np.asarray(deadline_group, dtype=np.int64),
            **options,
        )


@dataclass(frozen=True)
class PickList:
    """One cart: its orders, its stops in walking order and the exact route length."""

    orders: tuple[int, ...]  # order indices, ascending
    lines: np.ndarray  # (k,) int64 line indices in walking order (the stops)
    units: np.ndarray  # (k,) int64 units of each line picked on this list (the whole line unless it was split)
    length: float  # metres, depot → stops → depot, from route(…, "auto")


@dataclass(frozen=True)
class WaveResult:
    pick_lists: tuple[PickList, ...]
    total_distance: float
    selected: np.ndarray  # order indices in the wave, most urgent first
    method: str  # "fcfs", "constructive", "improved"
    status: str  # "ok", or "time_limit" when the wall-clock limit cut the search short
    stats: dict[str, float] = field(default_factory=dict)
