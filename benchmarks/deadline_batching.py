"""What deadline-aware batching costs: the same waves planned with and without deadline windows (issue 13).

A wave's orders are due at a few carrier cut-offs; with ``deadline_group`` no cart mixes two of them, so a
cart due at an early cut-off is never held back by orders due later. Here the orders of each generated
wave (``wave_instances``: B2B 100 orders, e-commerce 1,000) are cut into ``k`` cut-offs by urgency (the
most urgent ``n/k`` orders due first, and so on), planned with ``plan_wave`` both ways in the same run,
and the walking distance compared; FCFS + traversal (the classic S-shape) is the reference baseline.

    python -m benchmarks.deadline_batching                 # B2B seeds 1-3, e-commerce seeds 1-2, k = 2, 3, 4
    python -m benchmarks.deadline_batching --profiles b2b --seeds 1
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from benchmarks.wave_instances import b2b, ecommerce
from wms.picking.batching import plan_fcfs, plan_wave
from wms.picking.batching.problem import BatchingProblem

PROFILES = {"b2b": b2b, "ecommerce": ecommerce}


def with_cutoffs(problem: BatchingProblem, k: int) -> BatchingProblem:
    """The wave with its orders due at ``k`` cut-offs, the most urgent first (by the wave's priority)."""
    rank = np.argsort(np.argsort(problem.priority, kind="stable"), kind="stable")
    return replace(problem, deadline_group=(rank * k) // max(problem.n_orders, 1))


def _plan(problem: BatchingProblem) -> tuple[float, int, float]:
    t0 = time.process_time()
    result = plan_wave(problem)
    return result.total_distance, len(result.pick_lists), time.process_time() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profiles", default="b2b,ecommerce")
    p.add_argument("--seeds", default="")
    p.add_argument("--cutoffs", default="2,3,4")
    args = p.parse_args(argv)
    cutoffs = [int(x) for x in args.cutoffs.split(",")]
    print(
        "| profile | seed | orders | FCFS + traversal | ours, no windows (carts) | cut-offs | ours, one window per cart "
        "(carts) | cost of the rule | plan CPU s (without / with) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for profile in args.profiles.split(","):
        seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else ([1, 2, 3] if profile == "b2b" else [1, 2])
        for seed in seeds:
            wave = PROFILES[profile](seed)
            fcfs = plan_fcfs(wave, "traversal").total_distance
            for k in cutoffs:
                free, free_carts, free_cpu = _plan(wave)  # interleaved with the constrained run, same data
                bound, bound_carts, bound_cpu = _plan(with_cutoffs(wave, k))
                print(
                    f"| {profile} | {seed} | {wave.n_orders} | {fcfs:,.0f} | {free:,.0f} ({free_carts}) | {k} | "
                    f"{bound:,.0f} ({bound_carts}) | {100 * (bound / free - 1):+.2f} % | "
                    f"{free_cpu:.1f} / {bound_cpu:.1f} |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
