"""Published order-batching instances (Henn and Wäscher's archive format) as waves of our planner, and the gap of
``plan_wave`` to the published optimum, side by side with FCFS in one run (issue 13).

Instances and references: ``benchmarks/data/order_batching/`` (its README names the sources). The format is
blocks ``Order k<TAB>number of articles n`` followed by n lines ``i<TAB>Aisle a<TAB>Location l``. File aisle
``a`` (0-19) is side ``a mod 2`` of pick aisle ``a div 2`` (0-based, from the depot's side); location ``l``
(0-44) is bay ``l + 1``. With ``LAYOUT`` (``layout.md``: 10 aisles 5 m apart, 45 bays of 1 m, a 2 m front
cross aisle, the depot at the front-left corner) a distance is the publications' in their unit. Every article
is one unit; a cart holds ``capacity`` articles; orders arrive in file order (FCFS takes them so).

Each instance is planned twice: as a user's ``POST /v1/waves`` would be (the work budget of the time limit with
the wall-clock guard on, so a loaded machine cuts it short), and with the guard off (``plan_budget_only``: the
deterministic work budget alone, the same on any machine), each with its CPU time. ``--busy N`` runs N
busy loops beside it (other processes at the same priority), the loaded machine the guard is for.

Our LP bound is ``lp_pricing.lp_bound_priced``: the LP over every cart (at least ⌈units / 45⌉ carts) by
column generation with an exact pricer, reported only when converged.

``--traversal-check`` checks the geometry against the published traversal (classic S-shape) results instead:
the optimal batching when every cart is routed by the S-shape walk (``wms.picking.routing.traversal``), over
every feasible cart (``set_partition.optimal_batching``: 1-7 million carts, LP by column generation with
cuts, then SCIP per number of carts), beside the published ``traversal_best``; the best carts are routed again as pick
lists (``route(…, "traversal")``) and must give the same total.

    python -m benchmarks.order_batching                    # the 10 instances of 70s-100-45, 2 s each
    python -m benchmarks.order_batching --instances 0,3 --time-limit-s 5
    python -m benchmarks.order_batching --no-lp-bound --busy 3   # three busy loops on the cores beside it
    python -m benchmarks.order_batching --seeds 5               # the work budget's gap for planner seeds 1-5
    python -m benchmarks.order_batching --traversal-check --instances 1,2
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

import wms.picking.batching.search as search_module
from benchmarks.lp_pricing import lp_bound_priced
from benchmarks.set_partition import optimal_batching
from benchmarks.wave_instances import B2B_LAYOUT
from wms.picking.batching import plan_fcfs, plan_wave
from wms.picking.batching.jobs import make_jobs, select_orders
from wms.picking.batching.pick_lists import wave_result
from wms.picking.batching.problem import BatchingProblem, CartCapacity
from wms.picking.routing.problem import LayoutArrays

DATA = Path(__file__).resolve().parent / "data" / "order_batching"
LAYOUT = B2B_LAYOUT  # the warehouse of these publications is our B2B profile's
_ORDER = re.compile(r"Order\s+(\d+)\s+number of articles\s+(\d+)")
_ARTICLE = re.compile(r"(\d+)\s+Aisle\s+(\d+)\s+Location\s+(\d+)")


def read_instance(text: str) -> list[list[tuple[int, int]]]:
    """The orders of an instance file, each a list of (file aisle, location); checks the declared counts."""
    orders: list[list[tuple[int, int]]] = []
    declared: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if m := _ORDER.fullmatch(line.strip()):
            if int(m[1]) != len(orders):
                raise ValueError(f"line {number}: order {m[1]} out of sequence")
            orders.append([])
            declared.append(int(m[2]))
        elif (m := _ARTICLE.fullmatch(line.strip())) and orders:
            orders[-1].append((int(m[2]), int(m[3])))
        else:
            raise ValueError(f"line {number}: not an order or article line: {line!r}")
    for k, (got, want) in enumerate(zip(orders, declared, strict=True)):
        if len(got) != want:
            raise ValueError(f"order {k} declares {want} articles and lists {len(got)}")
    return orders


def to_problem(
    orders: list[list[tuple[int, int]]], capacity: int = 45, time_limit_s: float = 2.0, seed: int = 1
) -> BatchingProblem:
    """The instance as a wave on ``LAYOUT``: one unit per article, arrival order as priority, one carrier."""
    aisles = [a // 2 for order in orders for a, _ in order]
    bays = [loc + 1 for order in orders for _, loc in order]
    if min(aisles) < 0 or max(aisles) >= LAYOUT.aisles or min(bays) < 1 or max(bays) > LAYOUT.bays_per_aisle:
        raise ValueError("an article lies outside the 10 × 45 warehouse")
    n = len(orders)
    units = np.ones(len(aisles), dtype=np.int64)
    return BatchingProblem(
        order_start=np.concatenate([[0], np.cumsum([len(o) for o in orders])]).astype(np.int64),
        line_aisle=np.array(aisles, dtype=np.int64),
        line_y=np.array([LAYOUT.bay_y(b) for b in bays], dtype=np.float64),
        line_units=units,
        line_volume=units * 1.0,
        priority=np.arange(n, dtype=np.int64),
        layout=LayoutArrays.from_layout(LAYOUT),
        capacity=CartCapacity(max_units=capacity),
        carrier=np.zeros(n, dtype=np.int64),
        time_limit_s=time_limit_s,
        seed=seed,
    )


@contextlib.contextmanager
def search_settings(**values: float) -> Iterator[None]:
    """The module constants of ``wms.picking.batching.search`` given (shares, limits) while the block runs."""
    saved = {name: getattr(search_module, name) for name in values}
    try:
        for name, value in values.items():
            setattr(search_module, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(search_module, name, value)


def plan_cpu(problem: BatchingProblem, **settings: float) -> tuple[float, float]:
    """(total distance, CPU s) of ``plan_wave`` with the ``search_settings`` given."""
    with search_settings(**settings):
        started = time.process_time()
        total = plan_wave(problem).total_distance
        return total, time.process_time() - started


def plan_budget_only(problem: BatchingProblem, **shares: float) -> tuple[float, float]:
    """(total distance, CPU s) of ``plan_wave`` with the module shares given, the wall-clock guard off."""
    return plan_cpu(problem, **shares, SEARCH_SHARE=1e6)


def references(path: Path = DATA / "reference-100-45.csv") -> dict[int, dict[str, str]]:
    """Instance number → its published figures (``optimal_best``, ``optimal_proven``, ``traversal_best``, …)."""
    with path.open() as f:
        return {int(row["instance"]): row for row in csv.DictReader(f)}


def traversal_check(instances: list[int], ref: dict[int, dict[str, str]]) -> int:
    """The optimal batching under traversal routing beside the published one; 1 if a proven value differs."""
    print(
        "| instance | FCFS + traversal | LP bound | carts | optimal batching, traversal (proven) "
        "| published traversal_best (proven) | ours − published | carts enumerated | carts in IP | CPU s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    same = differ = 0
    for k in instances:
        problem = to_problem(read_instance((DATA / f"70s-100-45-{k}.txt").read_text()))
        t0 = time.process_time()
        found = optimal_batching(problem, traversal=True)
        cpu = time.process_time() - t0
        jobs = make_jobs(problem, select_orders(problem))
        lists = wave_result(problem, jobs, found.carts, select_orders(problem), "optimal", routing="traversal")
        if abs(lists.total_distance - found.total) > 1e-6:  # the carts routed again, by the routing core
            raise RuntimeError(f"instance {k}: pick lists {lists.total_distance} != enumerated {found.total}")
        published = float(ref[k]["traversal_best"])
        if found.proven and ref[k]["traversal_proven"] == "True":
            same += abs(found.total - published) < 0.5
            differ += abs(found.total - published) >= 0.5
        print(
            f"| {k} | {plan_fcfs(problem, 'traversal').total_distance:,.0f} | {found.lp_bound:,.1f} | "
            f"{len(found.carts)} | {found.total:,.0f} ({found.proven}) | {published:,.0f} "
            f"({ref[k]['traversal_proven']}) | {found.total - published:+,.0f} | {found.carts_enumerated:,} | "
            f"{found.carts_in_ip:,} | {cpu:.0f} |"
        )
    print(f"\nboth proven: {same} equal, {differ} different; {len(instances) - same - differ} not proven on one side")
    return 1 if differ else 0


def _bound(problem: BatchingProblem, skip: bool) -> tuple[float, float]:
    """(our LP bound, CPU s): nan when skipped or not converged (an unconverged LP is no bound)."""
    if skip:
        return float("nan"), 0.0
    t0 = time.process_time()
    found = lp_bound_priced(problem)
    return found.lp_bound, time.process_time() - t0


def seed_spread(instances: list[int], ref: dict[int, dict[str, str]], seeds: int, time_limit_s: float) -> int:
    """The gap of the work budget alone (the guard off) for planner seeds 1..``seeds``: one seed's mean and
    worst over the instances is one draw of the annealing's random walk, not the planner's quality."""
    gaps = np.zeros((seeds, len(instances)))
    print(f"| instance | {' | '.join(f'seed {s + 1}' for s in range(seeds))} | mean over seeds |")
    print("|---:|" + "---:|" * (seeds + 1))
    for i, k in enumerate(instances):
        orders = read_instance((DATA / f"70s-100-45-{k}.txt").read_text())
        best = float(ref[k]["optimal_best"])
        for s in range(seeds):
            total, _ = plan_budget_only(to_problem(orders, time_limit_s=time_limit_s, seed=s + 1))
            gaps[s, i] = 100 * (total / best - 1)
        cells = " | ".join(f"{g:+.2f} %" for g in gaps[:, i])
        print(f"| {k} | {cells} | {gaps[:, i].mean():+.2f} % |", flush=True)
    for s in range(seeds):
        print(f"seed {s + 1}: mean {gaps[s].mean():+.2f} %, worst {gaps[s].max():+.2f} %")
    print(
        f"all {gaps.size} plans: mean {gaps.mean():+.2f} %; worst plan {gaps.max():+.2f} %; "
        f"worst instance (mean over seeds) {gaps.mean(axis=0).max():+.2f} %"
    )
    return 0


@contextlib.contextmanager
def busy_loops(n: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``n`` processes spinning on the CPU while the block runs (killed and reaped after it)."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield loops
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--instances", default="0,1,2,3,4,5,6,7,8,9", help="instance numbers of 70s-100-45")
    p.add_argument("--time-limit-s", type=float, default=2.0)
    p.add_argument("--traversal-check", action="store_true", help="optimal batching under traversal routing")
    p.add_argument("--no-lp-bound", action="store_true", help="skip our LP bound (column generation, 5-30 s each)")
    p.add_argument("--busy", type=int, default=0, help="busy loops running beside the planner (a loaded machine)")
    p.add_argument("--seeds", type=int, default=0, help="instead: the work budget's gap for planner seeds 1..N")
    args = p.parse_args(argv)
    ref = references()
    instances = [int(x) for x in args.instances.split(",")]
    if args.traversal_check:
        return traversal_check(instances, ref)
    if args.seeds:
        return seed_spread(instances, ref, args.seeds, args.time_limit_s)
    with busy_loops(args.busy):
        return _compare(instances, ref, args)


def _compare(instances: list[int], ref: dict[int, dict[str, str]], args: argparse.Namespace) -> int:
    print(
        "| instance | FCFS + traversal | FCFS + S-shape | FCFS + exact | ours | published optimum (proven) "
        "| ours ÷ optimum - 1 | plan CPU s | ours, work budget only | ÷ optimum - 1 | CPU s | our LP bound "
        "| bound ÷ optimum - 1 | bound CPU s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    gaps, budget_gaps, cpus = [], [], []
    for k in instances:
        problem = to_problem(read_instance((DATA / f"70s-100-45-{k}.txt").read_text()), time_limit_s=args.time_limit_s)
        traversal = plan_fcfs(problem, "traversal").total_distance
        s_shape = plan_fcfs(problem, "s_shape").total_distance
        exact = plan_fcfs(problem).total_distance
        t0 = time.process_time()
        ours = plan_wave(problem).total_distance
        cpu = time.process_time() - t0
        cpus.append(cpu)
        budget, budget_cpu = plan_budget_only(problem)
        best = float(ref[k]["optimal_best"])
        gaps.append(ours / best - 1)
        budget_gaps.append(budget / best - 1)
        bound, bound_cpu = _bound(problem, args.no_lp_bound)
        if bound > best + 1e-6:
            raise RuntimeError(f"instance {k}: LP bound {bound} above the published optimum {best}")
        print(
            f"| {k} | {traversal:,.0f} | {s_shape:,.0f} | {exact:,.0f} | {ours:,.0f} | {best:,.0f} "
            f"({ref[k]['optimal_proven']}) | {100 * gaps[-1]:+.2f} % | {cpu:.1f} | {budget:,.0f} | "
            f"{100 * budget_gaps[-1]:+.2f} % | {budget_cpu:.1f} | {bound:,.1f} | "
            f"{100 * (bound / best - 1):+.2f} % | {bound_cpu:.0f} |"
        )
    print(
        f"\nmean gap {100 * float(np.mean(gaps)):+.2f} %, worst {100 * max(gaps):+.2f} % ({len(gaps)} instances, "
        f"CPU {min(cpus):.1f}-{max(cpus):.1f} s, {args.busy} busy loops beside)"
    )
    print(
        f"work budget only (the wall-clock guard off): mean {100 * float(np.mean(budget_gaps)):+.2f} %, "
        f"worst {100 * max(budget_gaps):+.2f} %"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
