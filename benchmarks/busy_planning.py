"""The planner on a busy machine: the gap to the published optimum with the wall-clock guard on, with and
without the reserve for the steps after the annealing (issue 13, "quality that holds on a busy machine").

``wms.picking.batching.search.RESERVE_SHARE``: the annealing stops early enough to leave polishing, pricing and
the recombination that much of the time limit in CPU at the pace the search has had (wall per CPU second of its
thread). ``0`` is the planner without it (the guard then cuts whatever step is running: on a loaded machine
the recombination). Every instance of 70s-100-45 is planned with both, alternating which goes first, for
``--rounds`` rounds, with ``--busy`` busy loops (other processes at the same priority) beside the planner,
and once with the work budget alone (the guard off: the result of an idle machine).

    python -m benchmarks.busy_planning                      # 3 busy loops, 2 rounds, the 10 instances
    python -m benchmarks.busy_planning --busy 0 --rounds 1  # an idle machine: both the same
"""

from __future__ import annotations

import argparse

import numpy as np

import wms.picking.batching.search as search_module
from benchmarks.order_batching import (
    DATA,
    busy_loops,
    plan_budget_only,
    plan_cpu,
    read_instance,
    references,
    to_problem,
)
from wms.picking.kernels import warm_up


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--instances", default="0,1,2,3,4,5,6,7,8,9", help="instance numbers of 70s-100-45")
    p.add_argument("--busy", type=int, default=3, help="busy loops beside the planner")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--time-limit-s", type=float, default=2.0)
    args = p.parse_args(argv)
    ref = references()
    variants = {"no reserve": 0.0, f"reserve {search_module.RESERVE_SHARE:g}": search_module.RESERVE_SHARE}
    gaps: dict[str, list[float]] = {name: [] for name in (*variants, "work budget only")}
    cpus: dict[str, list[float]] = {name: [] for name in variants}
    print(f"| instance | {' | '.join(f'{v}: gap, CPU s' for v in variants)} | work budget only: gap |")
    print("|---:|" + "---:|" * (len(variants) + 1))
    warm_up()  # as the server does at start: no kernel loaded from the cache inside a timed plan
    with busy_loops(args.busy):
        for k in [int(x) for x in args.instances.split(",")]:
            problem = to_problem(
                read_instance((DATA / f"70s-100-45-{k}.txt").read_text()), time_limit_s=args.time_limit_s
            )
            best = float(ref[k]["optimal_best"])
            mine: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
            for r in range(args.rounds):
                order = list(variants) if (k + r) % 2 == 0 else list(reversed(variants))
                for name in order:
                    total, cpu = plan_cpu(problem, RESERVE_SHARE=variants[name])
                    mine[name].append((total / best - 1, cpu))
            budget, _ = plan_budget_only(problem)
            cells = []
            for name in variants:
                g = float(np.mean([x for x, _ in mine[name]]))
                c = float(np.mean([y for _, y in mine[name]]))
                gaps[name].append(g)
                cpus[name].extend(y for _, y in mine[name])
                cells.append(f"{100 * g:+.2f} %, {c:.2f}")
            gaps["work budget only"].append(budget / best - 1)
            print(f"| {k} | {' | '.join(cells)} | {100 * (budget / best - 1):+.2f} % |", flush=True)
    print(f"\n{args.busy} busy loops, {args.rounds} rounds per variant (gap: mean over the rounds)")
    for name, per_instance in gaps.items():
        spent = f", CPU {min(cpus[name]):.2f}-{max(cpus[name]):.2f} s" if name in cpus else ""
        print(
            f"{name}: mean {100 * float(np.mean(per_instance)):+.2f} %, worst {100 * max(per_instance):+.2f} %{spent}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
