"""The shortest wave over every feasible cart, with a proof: set partitioning over all enumerated carts.

``wave_bounds.all_carts`` lists every cart and its length (1-7 million for a 100-order B2B wave). The LP
``min Σ length·x, every order in exactly one cart, x >= 0`` is solved by column generation with GLOP
(pricing scans every cart) and strengthened by two kinds of valid inequalities:

- the number of carts: at least ``min_carts`` (⌈units / cart units⌉, likewise volume and orders); the LP
  alone takes fractional carts below it;
- subset-row cuts (Jepsen et al. 2008; Wahlen and Gschwind use them as well): for three orders S,
  ``Σ over carts holding two or more of S of x <= 1``; violated ones are added, the carts priced again.

Then, for each number of carts k from ``min_carts`` up, the LP with ``Σ x = k`` (value ``lp_k``): with its
duals and no cart of negative reduced cost, any partition x into k carts has ``Σ length·x >= Σ reduced
cost·x + lp_k`` (the cut duals are <= 0), so one of total v uses only carts of reduced cost <= v - lp_k.
SCIP solves the partitioning into k carts over the carts of reduced cost <= g; if its optimum, or the best
partition known, is within g of ``lp_k``, nothing shorter into k carts exists; else g doubles (at most to
the gap to the best known). ``lp_k`` is convex in k (fixed cuts), so once it reaches the best known and
rises, no larger k can do better.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit
from ortools.linear_solver import pywraplp

from benchmarks.wave_bounds import all_carts
from wms.picking.batching.jobs import make_jobs, select_orders
from wms.picking.batching.problem import BatchingProblem

EPS = 1e-6
BIG = 1e5  # cost of an artificial column (an order left uncovered): keeps every restricted LP feasible


@njit(cache=True)
def _holds(members, c, row):
    for k in range(members.shape[1]):
        if members[c, k] == row:
            return True
    return False


@njit(cache=True)
def _reduced(members, lengths, pi, mu, cut_rows, sigma, pair_start, pair_cut):
    """length - Σ π of the cart's orders - μ (number of carts) - Σ σ of the cuts it holds two or more of."""
    n = pi.shape[0]
    out = lengths - mu
    for c in range(members.shape[0]):
        for k in range(members.shape[1]):
            a = members[c, k]
            if a < 0:
                break
            out[c] -= pi[a]
            for q in range(k + 1, members.shape[1]):
                b = members[c, q]
                if b < 0:
                    break
                key = min(a, b) * n + max(a, b)
                for t in range(pair_start[key], pair_start[key + 1]):
                    cut = pair_cut[t]
                    third = cut_rows[cut, 0] + cut_rows[cut, 1] + cut_rows[cut, 2] - a - b
                    out[c] -= sigma[cut] / 3.0 if _holds(members, c, third) else sigma[cut]
    return out


@njit(cache=True)
def _violations(members, cols, x, n):
    """(n, n, n): for i < j < k, Σ x over carts holding two or more of them (0 elsewhere)."""
    pair = np.zeros((n, n))
    triple = np.zeros((n, n, n))
    for t in range(cols.shape[0]):
        c = cols[t]
        m = 0
        while m < members.shape[1] and members[c, m] >= 0:
            m += 1
        rows = np.sort(members[c, :m].astype(np.int64))
        for p in range(m):
            for q in range(p + 1, m):
                pair[rows[p], rows[q]] += x[t]
                for r in range(q + 1, m):
                    triple[rows[p], rows[q], rows[r]] += x[t]
    out = np.zeros((n, n, n))
    for i in range(n):
        for j in range(i + 1, n):
            for k in range(j + 1, n):
                out[i, j, k] = pair[i, j] + pair[i, k] + pair[j, k] - 2.0 * triple[i, j, k]
    return out


def _pairs(rows: set[int] | tuple[int, ...]) -> list[tuple[int, int]]:
    s = sorted(rows)
    return [(a, b) for i, a in enumerate(s) for b in s[i + 1 :]]


class Master:
    """The restricted LP (GLOP), kept across rounds: partition rows, number of carts, cuts, carts so far."""

    def __init__(self, members: np.ndarray, lengths: np.ndarray, n: int) -> None:
        self.members, self.lengths, self.n = members, lengths, n
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        inf = self.solver.infinity()
        self.objective = self.solver.Objective()
        self.objective.SetMinimization()
        self.rows = [self.solver.Constraint(1.0, 1.0) for _ in range(n)]
        for row in self.rows:
            artificial = self.solver.NumVar(0.0, inf, "")
            self.objective.SetCoefficient(artificial, BIG)
            row.SetCoefficient(artificial, 1.0)
        self.count = self.solver.Constraint(0.0, inf)
        self.cuts: list = []
        self.cut_rows = np.zeros((0, 3), dtype=np.int64)
        self.pair_cuts: dict[tuple[int, int], list[int]] = {}
        self.cols: list[int] = []
        self.vars: list = []
        self.seen: set[int] = set()
        self.add_columns(np.nonzero(members[:, 1] < 0)[0].tolist())  # single orders

    def orders(self, c: int) -> set[int]:
        return {int(j) for j in self.members[c] if j >= 0}

    def add_columns(self, cols: list[int]) -> None:
        for c in cols:
            var = self.solver.NumVar(0.0, self.solver.infinity(), "")
            self.objective.SetCoefficient(var, float(self.lengths[c]))
            self.count.SetCoefficient(var, 1.0)
            held = self.orders(c)
            for j in held:
                self.rows[j].SetCoefficient(var, 1.0)
            for cut in {cut for p in _pairs(held) for cut in self.pair_cuts.get(p, [])}:
                self.cuts[cut].SetCoefficient(var, 1.0)
            self.cols.append(c)
            self.vars.append(var)
            self.seen.add(c)

    def add_cuts(self, triples: list[tuple[int, int, int]]) -> None:
        for s in triples:
            cut = self.solver.Constraint(-self.solver.infinity(), 1.0)
            for c, var in zip(self.cols, self.vars, strict=True):
                if len(self.orders(c).intersection(s)) >= 2:
                    cut.SetCoefficient(var, 1.0)
            for p in _pairs(s):
                self.pair_cuts.setdefault(p, []).append(len(self.cuts))
            self.cuts.append(cut)
        self.cut_rows = np.vstack([self.cut_rows, np.array(triples, dtype=np.int64).reshape(-1, 3)])

    def solve(self) -> tuple[float, np.ndarray]:
        """(value, reduced cost of every cart); BIG or more: infeasible."""
        if self.solver.Solve() != pywraplp.Solver.OPTIMAL:
            raise RuntimeError("the restricted LP was not solved")
        pi = np.array([r.dual_value() for r in self.rows])
        sigma = np.array([c.dual_value() for c in self.cuts])
        keys = sorted((a * self.n + b, cut) for (a, b), cuts in self.pair_cuts.items() for cut in cuts)
        start = np.zeros(self.n * self.n + 1, dtype=np.int64)
        np.add.at(start, np.array([k + 1 for k, _ in keys], dtype=np.int64), 1)
        pair_cut = np.array([cut for _, cut in keys], dtype=np.int64)
        red = _reduced(
            self.members, self.lengths, pi, self.count.dual_value(), self.cut_rows, sigma, np.cumsum(start), pair_cut
        )
        return self.objective.Value(), red

    def price_out(self, max_rounds: int = 500) -> tuple[float, np.ndarray, bool]:
        """Column generation over every cart: (LP value, reduced costs, converged)."""
        for _ in range(max_rounds):
            value, red = self.solve()
            most = np.argpartition(red, 3000)[:3000] if len(red) > 3000 else np.arange(len(red))
            new = [int(c) for c in most if red[c] < -EPS and int(c) not in self.seen]
            if not new:
                return value, red, True
            self.add_columns(new)
        return value, red, False

    def separate(self, per_round: int) -> list[tuple[int, int, int]]:
        """The most violated subset-row cuts of the current LP solution."""
        x = np.array([v.solution_value() for v in self.vars])
        support = np.nonzero(x > EPS)[0]
        lhs = _violations(self.members, np.array(self.cols, dtype=np.int64)[support], x[support], self.n)
        have = {tuple(s) for s in self.cut_rows.tolist()}
        found = [(int(i), int(j), int(k)) for i, j, k in zip(*np.nonzero(lhs > 1.0 + 1e-3), strict=True)]
        return sorted((t for t in found if t not in have), key=lambda t: -lhs[t])[:per_round]

    def strengthen(self, cut_rounds: int = 30, per_round: int = 40) -> tuple[float, np.ndarray, bool]:
        """Price out, add violated cuts, again, until none is violated (or ``cut_rounds``)."""
        value, red, converged = self.price_out()
        for _ in range(cut_rounds):
            found = self.separate(per_round) if converged else []
            if not found:
                break
            self.add_cuts(found)
            value, red, converged = self.price_out()
        return value, red, converged


def _partition(
    members: np.ndarray, lengths: np.ndarray, cols: np.ndarray, n: int, carts: int, time_limit_s: float
) -> tuple[float, list[int], bool]:
    """SCIP: the shortest partition into ``carts`` carts of ``cols``; (total or inf, chosen, proven optimal)."""
    solver = pywraplp.Solver.CreateSolver("SCIP")
    solver.SetTimeLimit(int(1000 * time_limit_s))
    x = [solver.BoolVar("") for _ in cols]
    rows: list[list] = [[] for _ in range(n)]
    for var, c in zip(x, cols.tolist(), strict=True):
        for j in members[c][members[c] >= 0]:
            rows[j].append(var)
    for r in rows:
        solver.Add(sum(r) == 1)
    solver.Add(sum(x) == carts)
    solver.Minimize(sum(float(lengths[c]) * v for v, c in zip(x, cols.tolist(), strict=True)))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.0)  # pywraplp's default, 1e-4, is 1.6 m on 16 km
    status = solver.Solve(params)
    if status == pywraplp.Solver.INFEASIBLE:
        return np.inf, [], True
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return np.inf, [], False
    chosen = [int(c) for v, c in zip(x, cols.tolist(), strict=True) if v.solution_value() > 0.5]
    return float(lengths[chosen].sum()), chosen, status == pywraplp.Solver.OPTIMAL


def min_carts(problem: BatchingProblem) -> int:
    """Fewest carts any partition needs: ⌈units / cart units⌉, likewise volume and orders."""
    jobs = make_jobs(problem, select_orders(problem))
    n_max, u_max, v_max = problem.capacity.limits()
    need = [jobs.n / n_max, jobs.units.sum() / u_max, jobs.volume.sum() / v_max]
    return max(1, *(math.ceil(q - 1e-9) for q in need))


@dataclass(frozen=True)
class Batching:
    total: float  # the best partition found: total length
    proven: bool  # optimal over every feasible cart
    lp_bound: float  # the root LP with its cuts: a lower bound
    cuts: int
    carts_enumerated: int
    carts_in_ip: int  # the most carts given to one partitioning
    carts: list[list[int]]  # order (job) indices of each cart of the best partition
    per_count: dict[int, float]  # number of carts → its LP value
    seconds: dict[str, float]  # CPU per stage


def optimal_batching(
    problem: BatchingProblem,
    traversal: bool = False,
    time_limit_s: float = 120.0,
    max_ip_carts: int = 200_000,
    max_carts: int = 30_000_000,
) -> Batching:
    """The shortest wave over every feasible cart; ``proven`` when it is optimal over all of them.

    Unproven when an LP does not converge, SCIP runs out of ``time_limit_s`` (wall clock) on one
    partitioning, or the carts within the gap exceed ``max_ip_carts``; the best partition found is returned
    all the same.
    """
    clock, seconds = time.process_time(), {}
    n, members, lengths = all_carts(problem, traversal, max_carts)
    seconds["enumerate"] = time.process_time() - clock
    master = Master(members, lengths, n)
    k = min_carts(problem)
    master.count.SetBounds(k, master.solver.infinity())
    root, _, proven = master.strengthen()
    seconds["lp"] = time.process_time() - clock - seconds["enumerate"]
    integral = bool(np.all(lengths == np.round(lengths)))
    best, chosen, size, per_count, previous = np.inf, [], 0, {}, np.inf
    while k <= n:  # more carts than orders: none
        master.count.SetBounds(k, k)
        value, red, converged = master.price_out()
        proven &= converged
        per_count[k] = value
        floor = math.ceil(value - 1e-6) if integral else value
        if value >= BIG or floor >= best - 1e-6:
            if value >= previous:
                break  # convex in k: every larger count is worse still
            previous, k = value, k + 1
            continue
        g = min(16.0, best - value)
        while True:
            keep = np.nonzero(red <= g + 1e-4)[0]
            if len(keep) > max_ip_carts:
                proven = False
                break
            size = max(size, len(keep))
            total, cols, optimal = _partition(members, lengths, keep, n, k, time_limit_s)
            if total < best:
                best, chosen = total, cols
            if not optimal:
                proven = False
                break
            if min(total, best) - value <= g + 1e-4:
                break  # nothing into k carts is shorter than the best known
            g = min(2 * g, best - value)
        previous, k = value, k + 1
    seconds["ip"] = time.process_time() - clock - seconds["enumerate"] - seconds["lp"]
    return Batching(
        total=best,
        proven=proven,
        lp_bound=root,
        cuts=len(master.cuts),
        carts_enumerated=len(lengths),
        carts_in_ip=size,
        carts=[sorted(int(j) for j in members[c] if j >= 0) for c in chosen],
        per_count=per_count,
        seconds=seconds,
    )
