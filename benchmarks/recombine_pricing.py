"""Pricing inside the recombination (issue 13): the planner with and without it, over planner seeds.

``plan_wave`` on a single-block wave of at most ``RECOMBINE_MAX_JOBS`` jobs completes the annealing's pool
by column generation over each job's neighbours before recombining (:mod:`wms.picking.batching.
column_generation`), paid for by a smaller annealing share. ``without`` is the planner as it was before that:
no pricing, annealing 0.5 and CP-SAT 0.15 of the limit. Each published instance of class 70s-100-45 is
planned with both, alternating, for planner seeds 1..``--seeds`` (one seed is one draw of the annealing), the
wall-clock guard off (the work budget alone: the same on any machine), CPU from ``time.process_time``:

    python -m benchmarks.recombine_pricing --seeds 5
    python -m benchmarks.recombine_pricing --instances 3,5 --seeds 2
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.order_batching import DATA, plan_budget_only, read_instance, references, to_problem

WITHOUT = {"PRICING_LENGTHS_PER_S": 0}  # then the shares of a recombined wave are those of before


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--instances", default="0,1,2,3,4,5,6,7,8,9")
    p.add_argument("--seeds", type=int, default=5, help="plan with planner seeds 1..N")
    args = p.parse_args(argv)
    ref = references()
    print("| instance | seed | optimum | without | gap | CPU s | with pricing | gap | CPU s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    gaps: dict[str, list[float]] = {"without": [], "with pricing": []}
    cpus: dict[str, list[float]] = {"without": [], "with pricing": []}
    runs = [(int(x), seed) for x in args.instances.split(",") for seed in range(1, args.seeds + 1)]
    for n, (k, seed) in enumerate(runs):
        problem = to_problem(read_instance((DATA / f"70s-100-45-{k}.txt").read_text()), seed=seed)
        best = float(ref[k]["optimal_best"])
        got = {}
        for name in ["without", "with pricing"] if n % 2 == 0 else ["with pricing", "without"]:
            got[name] = plan_budget_only(problem, **(WITHOUT if name == "without" else {}))
            gaps[name].append(got[name][0] / best - 1)
            cpus[name].append(got[name][1])
        cells = " | ".join(
            f"{got[name][0]:,.0f} | {100 * (got[name][0] / best - 1):+.2f} % | {got[name][1]:.2f}"
            for name in ("without", "with pricing")
        )
        print(f"| {k} | {seed} | {best:,.0f} | {cells} |", flush=True)
    for name, values in gaps.items():
        per_instance = np.array(values).reshape(-1, args.seeds).mean(axis=1)
        print(
            f"{name}: mean {100 * float(np.mean(values)):+.2f} %, worst plan {100 * max(values):+.2f} %, "
            f"worst instance (mean over {args.seeds} seeds) {100 * per_instance.max():+.2f} %, "
            f"CPU {min(cpus[name]):.2f}-{max(cpus[name]):.2f} s"
        )
    better = sum(a < b for a, b in zip(gaps["with pricing"], gaps["without"], strict=True))
    print(f"with pricing shorter in {better} of {len(runs)} plans")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
