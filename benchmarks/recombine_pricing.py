"""Experiment (issue 13): column generation over each order's neighbourhood before the planner's recombination.

Not part of the planner: it patches ``wms.picking.batching.improve.recombine`` so that, before the usual
recombination (:mod:`wms.picking.batching.recombine`: covering LP, the carts of least reduced cost, CP-SAT),
the pool of carts the annealing met is completed by column generation: GLOP's LP over the pool's distinct
carts and every order alone (every order covered, at least ``lower_bound`` carts), priced by
``lp_pricing.price`` restricted to carts whose orders are all neighbours of their first order (the
search's candidate lists, made symmetric: ``lp_pricing.neighbour_orders``) until no such cart has a negative
reduced cost or ``--pricing-lengths`` cart lengths are spent (``--every-order``: over every later order of
the group instead, as the LP bound prices). The new carts go into the pool; the
recombination then picks from it as always. Cart lengths the pricer computes count as the search's work.

Each published instance of class 70s-100-45 is planned twice in one run, alternating: the planner as it is
(``today``) and with the pricing and the shares given (``priced``), both with the wall-clock guard off (the
deterministic work only, so the figures do not depend on the machine's load), CPU time from
``time.process_time``:

    python -m benchmarks.recombine_pricing
    python -m benchmarks.recombine_pricing --anneal-share 0.35 --recombine-share 0.2 --instances 3,5
    python -m benchmarks.recombine_pricing --seeds 5          # seeds 1-5 each: one seed is one draw
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

import wms.picking.batching.improve as improve_module
from benchmarks.lp_pricing import CoveringMaster, later_orders, neighbour_orders, pair_lengths, price
from benchmarks.order_batching import DATA, plan_budget_only, read_instance, references, to_problem
from wms.picking.batching.columns import distinct_columns, members, record_all
from wms.picking.batching.search import Search

PER_ROUND = 500  # priced carts added to the master per round


def add_to_pool(pool: tuple[np.ndarray, np.ndarray, np.ndarray], jobs: list[int], length: float) -> None:
    masks, lengths, count = pool
    r = int(count[0] % masks.shape[0])
    masks[r, :] = 0
    for j in jobs:
        masks[r, j >> 6] |= np.uint64(1) << np.uint64(j & 63)
    lengths[r] = length
    count[0] += 1


def price_into_pool(s: Search, st: tuple, max_lengths: int, every_order: bool = False) -> dict[str, float]:
    """Column generation over the neighbourhoods (or every later order); the carts it finds join ``s.pool``."""
    record_all(s.pool, st)
    masks, lengths = distinct_columns(s.pool)
    inc = members(masks, len(s.solo))
    n = len(s.solo)
    master = CoveringMaster(n, s.lower_bound)
    add = master.add
    for row, length in zip(inc, lengths.tolist(), strict=True):
        add(tuple(np.nonzero(row)[0].tolist()), length)
    for j in range(n):
        add((j,), float(s.solo[j]))
    group = np.asarray(s.jb[5])
    cs, cand = later_orders(group) if every_order else neighbour_orders(s.nbr_start, s.nbr, group)
    floor = pair_lengths(s.lay, s.jb, cs, cand, False)
    spent, rounds, converged, value = len(floor), 0, False, float("nan")
    out = (np.full((4 * PER_ROUND, s.members), -1, dtype=np.int64), np.zeros(4 * PER_ROUND), np.zeros(4 * PER_ROUND))
    while spent < max_lengths:
        rounds += 1
        value, pi, mu = master.solve()
        found, _, nodes, done = price(
            s.lay,
            s.jb,
            s.cap,
            s.members,
            s.solo,
            pi,
            mu,
            0,
            max_lengths - spent,
            False,
            cs,
            cand,
            floor,
            *out,
        )
        spent += nodes
        if found == 0:
            converged = done == n  # else the lengths ran out within a pass
            break
        for c in np.argsort(out[2][:found], kind="stable")[:PER_ROUND].tolist():
            cart = tuple(sorted(int(j) for j in out[0][c] if j >= 0))
            if add(cart, float(out[1][c])):
                add_to_pool(s.pool, list(cart), float(out[1][c]))
    s.work[0] += spent
    return {"lp": value, "rounds": rounds, "lengths": spent, "converged": float(converged)}


_ORIGINAL = improve_module.recombine


def patched(max_lengths: int, figures: dict[str, float], every_order: bool) -> Callable[..., float]:
    """The planner's recombination, preceded by the pricing (its figures into ``figures``)."""

    def recombine(s: Search, st: tuple, deterministic_s: float, seed: int, workers: int = 1) -> float:
        figures.update(price_into_pool(s, st, max_lengths, every_order))
        return _ORIGINAL(s, st, deterministic_s, seed, workers)

    return recombine


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--instances", default="0,1,2,3,4,5,6,7,8,9")
    p.add_argument("--anneal-share", type=float, default=0.35, help="ANNEAL_SHARE_RECOMBINING with pricing")
    p.add_argument("--recombine-share", type=float, default=0.2, help="RECOMBINE_SHARE (CP-SAT) with pricing")
    p.add_argument("--pricing-lengths", type=int, default=150_000, help="cart lengths the pricing may compute")
    p.add_argument("--every-order", action="store_true", help="price over every later order, not neighbourhoods")
    p.add_argument("--seeds", type=int, default=1, help="plan with planner seeds 1..N (one seed is one draw)")
    args = p.parse_args(argv)
    ref = references()
    print(
        "| instance | seed | optimum | today | gap | CPU s | priced | gap | CPU s | LP (priced carts) ÷ optimum − 1 "
        "| rounds | lengths |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    gaps: dict[str, list[float]] = {"today": [], "priced": []}
    runs = [(int(x), seed) for x in args.instances.split(",") for seed in range(1, args.seeds + 1)]
    for k, seed in runs:
        problem = to_problem(read_instance((DATA / f"70s-100-45-{k}.txt").read_text()), seed=seed)
        best = float(ref[k]["optimal_best"])
        today, cpu_today = plan_budget_only(problem)
        figures: dict[str, float] = {}
        improve_module.recombine = patched(args.pricing_lengths, figures, args.every_order)
        try:
            priced, cpu_priced = plan_budget_only(
                problem, ANNEAL_SHARE_RECOMBINING=args.anneal_share, RECOMBINE_SHARE=args.recombine_share
            )
        finally:
            improve_module.recombine = _ORIGINAL
        gaps["today"].append(today / best - 1)
        gaps["priced"].append(priced / best - 1)
        print(
            f"| {k} | {seed} | {best:,.0f} | {today:,.0f} | {100 * gaps['today'][-1]:+.2f} % | {cpu_today:.2f} | "
            f"{priced:,.0f} | {100 * gaps['priced'][-1]:+.2f} % | {cpu_priced:.2f} | "
            f"{100 * (figures.get('lp', np.nan) / best - 1):+.2f} % | {figures.get('rounds', 0):.0f} | "
            f"{figures.get('lengths', 0):,.0f} |",
            flush=True,
        )
    for name, values in gaps.items():
        per_instance = np.array(values).reshape(-1, args.seeds).mean(axis=1)
        print(
            f"{name}: mean {100 * float(np.mean(values)):+.2f} %, worst plan {100 * max(values):+.2f} %, "
            f"worst instance (mean over {args.seeds} seeds) {100 * per_instance.max():+.2f} %"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
