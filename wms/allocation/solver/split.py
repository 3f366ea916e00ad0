"""Split an order across warehouses with as few shipments as possible (OR-Tools CP-SAT).

Arrays in, result out; no database. Lines are the order's distinct SKUs, so
the availability of one line does not depend on another's. Objective, in
this order: fewest shipments (warehouses used), then fewest split lines
(extra warehouses per line), then the most preferred warehouses (smallest
sum of preference ranks). What no warehouse set can fill is backordered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from ortools.sat.python import cp_model


@dataclass(frozen=True)
class SplitProblem:
    demand: np.ndarray  # (L,) units wanted per line
    available: np.ndarray  # (W, L) FEFO-usable units per warehouse and line
    preference: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (W,) rank, 0 = best
    time_limit_s: float = 2.0
    seed: int = 0
    workers: int = 1

    def ranks(self) -> np.ndarray:
        w = self.available.shape[0]
        return self.preference if len(self.preference) == w else np.arange(w, dtype=np.int64)


@dataclass(frozen=True)
class SplitResult:
    status: str  # "fast_path", "optimal", "feasible", "nothing_available"
    quantities: np.ndarray  # (W, L)
    backorder: np.ndarray  # (L,)

    @property
    def shipments(self) -> int:
        return int((self.quantities.sum(axis=1) > 0).sum())

    @property
    def split_lines(self) -> int:
        per_line = (self.quantities > 0).sum(axis=0)
        return int(np.maximum(per_line - 1, 0).sum())


def objective(quantities: np.ndarray, ranks: np.ndarray) -> tuple[int, int, int]:
    used = quantities.sum(axis=1) > 0
    per_line = (quantities > 0).sum(axis=0)
    return int(used.sum()), int(np.maximum(per_line - 1, 0).sum()), int(ranks[used].sum())


def solve_split(problem: SplitProblem) -> SplitResult:
    demand = np.asarray(problem.demand, dtype=np.int64)
    avail = np.maximum(np.asarray(problem.available, dtype=np.int64), 0)
    n_wh, n_lines = avail.shape
    fill = np.minimum(demand, avail.sum(axis=0))
    backorder = demand - fill
    ranks = problem.ranks()
    if fill.sum() == 0:
        return SplitResult("nothing_available", np.zeros((n_wh, n_lines), dtype=np.int64), backorder)
    whole = np.all(avail >= fill, axis=1)
    if whole.any():  # fast path: one warehouse ships everything that can be shipped
        best = int(np.flatnonzero(whole)[np.argmin(ranks[whole])])
        q = np.zeros((n_wh, n_lines), dtype=np.int64)
        q[best] = fill
        return SplitResult("fast_path", q, backorder)
    pair = _whole_pair(fill, avail, ranks)
    if pair is not None:  # two warehouses, every line whole from one of them: optimal (one cannot ship it)
        return SplitResult("fast_path", pair, backorder)
    if n_wh <= ENUMERATED_WAREHOUSES:
        return SplitResult("optimal", _fewest_warehouses(fill, avail, ranks), backorder)
    return _solve_cp_sat(problem, fill, avail, ranks, backorder)


ENUMERATED_WAREHOUSES = 10  # up to this many warehouses, every set is tried (≤ 1,023); CP-SAT beyond


def _fewest_warehouses(fill: np.ndarray, avail: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """The optimum by enumeration: the sets of warehouses by size, the first size with a set that covers every
    line (that is the fewest shipments). Within a set the lines are independent: a line takes the fewest
    warehouses whose units reach its fill, the largest first (the fewest split lines; every warehouse of a
    smallest set is then used, else a smaller set would cover). Among the sets of that size, the fewest split
    lines, then the smallest rank sum, then the lowest ranks, then the lowest indices. Each line's units go to
    its warehouses largest first (better rank on a tie), the last taking what is left."""
    n_wh, n_lines = avail.shape
    for size in range(1, n_wh + 1):
        best: tuple[tuple[int, int, list[int]], list[int], np.ndarray] | None = None
        for chosen in combinations(range(n_wh), size):
            rows = list(chosen)
            sub = avail[rows]
            if np.any(sub.sum(axis=0) < fill):
                continue
            # per line, its warehouses of the set from the most units down (better rank first on a tie)
            order = np.lexsort((np.broadcast_to(ranks[rows][:, None], sub.shape), -sub), axis=0)
            reach = np.take_along_axis(sub, order, axis=0).cumsum(axis=0)
            count = np.where(fill > 0, (reach < fill).sum(axis=0) + 1, 0)
            key = (int(np.maximum(count - 1, 0).sum()), int(ranks[rows].sum()), sorted(int(r) for r in ranks[rows]))
            if best is None or key < best[0]:
                best = (key, rows, _units(fill, sub, order, count))
        if best is not None:
            q = np.zeros_like(avail)
            q[best[1]] = best[2]
            return q
    raise RuntimeError("no set of warehouses covers the order")  # cannot happen: fill ≤ Σ avail


def _units(fill: np.ndarray, sub: np.ndarray, order: np.ndarray, count: np.ndarray) -> np.ndarray:
    """(set size, L) units per warehouse of the set: each line's first ``count`` warehouses in ``order`` take
    all they have, the last of them what is left."""
    q = np.zeros_like(sub)
    for line in range(sub.shape[1]):
        left = int(fill[line])
        for k in range(int(count[line])):
            w = int(order[k, line])
            q[w, line] = min(int(sub[w, line]), left)
            left -= q[w, line]
    return q


def _whole_pair(fill: np.ndarray, avail: np.ndarray, ranks: np.ndarray) -> np.ndarray | None:
    """The best pair of warehouses (smallest rank sum, then the lowest ranks) that ships every line whole,
    each line from the better-ranked of the two that has it all; ``None`` if no pair does. With no single
    warehouse able to ship everything, two shipments and no split line is the optimum's first two terms."""
    whole = avail >= fill  # (W, L): warehouse w can ship line l whole
    n_wh = avail.shape[0]
    pairs = [(a, b) for a in range(n_wh) for b in range(a + 1, n_wh) if np.all(whole[a] | whole[b])]
    if not pairs:
        return None
    pair = min(pairs, key=lambda p: (int(ranks[p[0]] + ranks[p[1]]), sorted((int(ranks[p[0]]), int(ranks[p[1]]))), p))
    a, b = sorted(pair, key=lambda w: (int(ranks[w]), w))
    q = np.zeros_like(avail)
    q[a] = np.where(whole[a], fill, 0)
    q[b] = np.where(whole[a], 0, fill)
    return q


def _solve_cp_sat(
    problem: SplitProblem, fill: np.ndarray, avail: np.ndarray, ranks: np.ndarray, backorder: np.ndarray
) -> SplitResult:
    n_wh, n_lines = avail.shape
    m = cp_model.CpModel()
    x = [[m.new_int_var(0, int(min(avail[w, j], fill[j])), f"x{w}_{j}") for j in range(n_lines)] for w in range(n_wh)]
    z = [[m.new_bool_var(f"z{w}_{j}") for j in range(n_lines)] for w in range(n_wh)]
    y = [m.new_bool_var(f"y{w}") for w in range(n_wh)]
    for line in range(n_lines):
        m.add(sum(x[w][line] for w in range(n_wh)) == int(fill[line]))
        for w in range(n_wh):
            m.add(x[w][line] <= int(min(avail[w, line], fill[line])) * z[w][line])
            m.add(x[w][line] >= 1).only_enforce_if(z[w][line])
            m.add_implication(z[w][line], y[w])
    for w in range(n_wh):
        m.add(sum(z[w]) >= 1).only_enforce_if(y[w])
    splits = sum(z[w][line] for w in range(n_wh) for line in range(n_lines))
    pref_weight = 1
    split_weight = int(ranks.sum()) + 1
    ship_weight = split_weight * (n_wh * n_lines + 1)
    m.minimize(
        ship_weight * sum(y) + split_weight * splits + pref_weight * sum(int(ranks[w]) * y[w] for w in range(n_wh))
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = problem.time_limit_s
    solver.parameters.random_seed = problem.seed
    solver.parameters.num_workers = problem.workers
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(
            f"split model has no solution ({solver.status_name(status)})"
        )  # cannot happen: fill ≤ Σ avail
    q = np.array([[solver.value(x[w][line]) for line in range(n_lines)] for w in range(n_wh)], dtype=np.int64)
    return SplitResult("optimal" if status == cp_model.OPTIMAL else "feasible", q, backorder)
