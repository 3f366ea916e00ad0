"""Recombination: the shortest wave that set covering finds among the carts the search has met.

The annealing meets thousands of carts (:mod:`columns`); the best wave it
keeps uses a few dozen of them, but a better combination of the others often
exists. So, as a last step:

1. LP relaxation of set covering over the distinct carts of the pool (GLOP):
   ``min Σ length[c] x[c]  s.t. every job on at least one chosen cart, x ≥ 0``.
2. The ``COLUMNS_PER_JOB × J`` carts of least reduced cost (among those that
   can be in a shorter wave: reduced cost below the gap between the current
   wave and the LP bound) and the carts of the current wave go to CP-SAT as
   a 0-1 covering model, hinted with the current wave, with a deterministic
   time limit (reproducible for a seed, one worker by default) and the
   search's deadline as a wall-clock guard.
3. A job on several chosen carts stays on the one it saves least to leave;
   the others drop it (on one block a cart never gets longer by dropping a
   job, as lengths are exact there). Covering rather than partitioning lets
   CP-SAT use every such smaller cart without it being in the pool.

The new carts replace the wave only when their recomputed total is shorter.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from wms.picking.batching.carts import EPS, add_job, copy_carts, total_length
from wms.picking.batching.columns import distinct_columns, members, record_all
from wms.picking.batching.lengths import points_length
from wms.picking.batching.local_search import bump
from wms.picking.batching.search import Search

COLUMNS_PER_JOB = 6  # carts handed to CP-SAT, per job, by least LP reduced cost
SCALE = 100.0  # CP-SAT's integer lengths: centimetres


def reduced_costs(inc: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, float]:
    """Reduced cost of every column at the optimum of the covering LP (GLOP's duals), and the LP value."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    x = [lp.NumVar(0.0, 1.0, "") for _ in range(len(lengths))]
    rows = [lp.RowConstraint(1.0, lp.infinity(), "") for _ in range(inc.shape[1])]
    for c, j in zip(*np.nonzero(inc), strict=True):
        rows[j].SetCoefficient(x[c], 1.0)
    objective = lp.Objective()
    for var, length in zip(x, lengths.tolist(), strict=True):
        objective.SetCoefficient(var, length)
    objective.SetMinimization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return np.zeros(len(lengths)), -np.inf
    return lengths - inc.astype(np.float64) @ np.array([r.dual_value() for r in rows]), objective.Value()


def promising(inc: np.ndarray, lengths: np.ndarray, hint: np.ndarray, max_columns: int) -> np.ndarray:
    """The hinted columns and at most ``max_columns`` others of least reduced cost.

    Only columns whose reduced cost is below the gap between the hinted
    solution and the LP bound can be in a shorter wave; the others are dropped.
    """
    rc, bound = reduced_costs(inc, lengths)
    gap = lengths[hint].sum() - bound
    order = np.argsort(rc, kind="stable")
    order = order[rc[order] <= gap + EPS][:max_columns]
    return np.union1d(order, hint.nonzero()[0])


def cover(
    inc: np.ndarray,
    lengths: np.ndarray,
    hint: np.ndarray,
    seed: int,
    workers: int,
    deterministic_s: float,
    wall_s: float,
) -> tuple[np.ndarray, bool]:
    """(chosen columns, stopped by the wall clock) of the 0-1 covering model, from the hinted columns."""
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in range(len(lengths))]
    for j in range(inc.shape[1]):
        model.add_bool_or([x[c] for c in np.nonzero(inc[:, j])[0]])
    model.minimize(cp_model.LinearExpr.weighted_sum(x, np.round(lengths * SCALE).astype(np.int64).tolist()))
    for c in range(len(x)):
        model.add_hint(x[c], bool(hint[c]))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.linearization_level = 2
    solver.parameters.max_deterministic_time = deterministic_s
    solver.parameters.max_time_in_seconds = max(wall_s, 0.01)
    status = solver.solve(model)
    cut = status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE) and solver.deterministic_time < 0.99 * deterministic_s
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint.nonzero()[0], cut
    return np.array([c for c in range(len(x)) if solver.value(x[c])], dtype=np.int64), cut


def cart_length(s: Search, jobs: list[int]) -> float:
    pts = np.concatenate([np.arange(s.jb[0][j], s.jb[0][j + 1]) for j in jobs]) if jobs else np.zeros(0, np.int64)
    return float(points_length(s.lay, s.jb[1][pts], s.jb[2][pts]))


def partition(s: Search, carts: list[list[int]]) -> tuple[list[list[int]], list[float]]:
    """Chosen carts with every job on exactly one (kept where leaving saves least); their lengths."""
    carts = [list(c) for c in carts]
    lengths = [cart_length(s, c) for c in carts]
    holders: dict[int, list[int]] = {}
    for c, cart in enumerate(carts):
        for j in cart:
            holders.setdefault(j, []).append(c)
    for j, cs in sorted(holders.items()):
        if len(cs) < 2:
            continue
        without = {c: cart_length(s, [i for i in carts[c] if i != j]) for c in cs}
        keep = min(cs, key=lambda c: (lengths[c] - without[c], c))
        for c in cs:
            if c != keep:
                carts[c].remove(j)
                lengths[c] = without[c]
    return [c for c in carts if c], [l for c, l in zip(carts, lengths, strict=True) if c]


@njit(cache=True, nogil=True)
def load_carts(jb, st, cart, lengths, work):
    """Fill the empty carts ``st``: job j on cart ``cart[j]``, cart c of length ``lengths[c]``."""
    for j in range(cart.shape[0]):
        add_job(jb, st, cart[j], j)
    for c in range(lengths.shape[0]):
        st[6][c] = lengths[c]
        bump(st, work, c)


def recombine(
    s: Search, st: tuple, deterministic_s: float, seed: int, workers: int = 1, max_columns: int | None = None
) -> float:
    """Replace the carts ``st`` by a shorter recombination of the pool's carts; returns the saving (m).

    ``max_columns``: columns besides the current carts given to CP-SAT (default
    ``COLUMNS_PER_JOB`` per job); enough of them make the step exact over the pool.
    """
    record_all(s.pool, st)
    masks, lengths = distinct_columns(s.pool)
    inc = members(masks, len(s.solo))
    current = {tuple(sorted(st[1][c, : st[2][c]].tolist())) for c in np.nonzero(st[2] > 0)[0]}
    hint = np.array([tuple(np.nonzero(row)[0].tolist()) in current for row in inc])
    keep = promising(inc, lengths, hint, COLUMNS_PER_JOB * len(s.solo) if max_columns is None else max_columns)
    chosen, cut = cover(inc[keep], lengths[keep], hint[keep], seed, workers, deterministic_s, s.remaining_s())
    s.timed_out = s.timed_out or cut
    carts, new_lengths = partition(s, [np.nonzero(inc[keep[c]])[0].tolist() for c in chosen])
    saving = total_length(st) - sum(new_lengths)
    if saving <= EPS:
        return 0.0
    cart = np.empty(len(s.solo), dtype=np.int64)
    for c, jobs in enumerate(carts):
        cart[jobs] = c
    fresh = s.new_carts()
    load_carts(s.jb, fresh, cart, np.array(new_lengths), s.work)
    copy_carts(fresh, st)
    return saving
