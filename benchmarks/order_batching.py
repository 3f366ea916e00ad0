"""Published order-batching instances (Henn and Wäscher's archive format) as waves of our planner, and the gap of
``plan_wave`` to the published optimum, side by side with FCFS in one run (issue 13).

Instances and references: ``benchmarks/data/order_batching/`` (its README names the sources). The format is
blocks ``Order k<TAB>number of articles n`` followed by n lines ``i<TAB>Aisle a<TAB>Location l``. File aisle
``a`` (0-19) is side ``a mod 2`` of pick aisle ``a div 2`` (0-based, from the depot's side); location ``l``
(0-44) is bay ``l + 1``. With ``LAYOUT`` (``layout.md``: 10 aisles 5 m apart, 45 bays of 1 m, a 2 m front
cross aisle, the depot at the front-left corner) a distance is the publications' in their unit. Every article
is one unit; a cart holds ``capacity`` articles; orders arrive in file order (FCFS takes them so).

    python -m benchmarks.order_batching                    # the 10 instances of 70s-100-45, 2 s each
    python -m benchmarks.order_batching --instances 0,3 --time-limit-s 5
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from pathlib import Path

import numpy as np

from benchmarks.wave_instances import B2B_LAYOUT
from wms.picking.batching import plan_fcfs, plan_wave
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


def references(path: Path = DATA / "reference-100-45.csv") -> dict[int, dict[str, str]]:
    """Instance number → its published figures (``optimal_best``, ``optimal_proven``, ``traversal_best``, …)."""
    with path.open() as f:
        return {int(row["instance"]): row for row in csv.DictReader(f)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--instances", default="0,1,2,3,4,5,6,7,8,9", help="instance numbers of 70s-100-45")
    p.add_argument("--time-limit-s", type=float, default=2.0)
    args = p.parse_args(argv)
    ref = references()
    print(
        "| instance | FCFS + S-shape | FCFS + exact | ours | published optimum (proven) | ours ÷ optimum - 1 | plan s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    gaps = []
    for k in (int(x) for x in args.instances.split(",")):
        problem = to_problem(read_instance((DATA / f"70s-100-45-{k}.txt").read_text()), time_limit_s=args.time_limit_s)
        s_shape = plan_fcfs(problem, "s_shape").total_distance
        exact = plan_fcfs(problem).total_distance
        t0 = time.process_time()
        ours = plan_wave(problem).total_distance
        cpu = time.process_time() - t0
        best = float(ref[k]["optimal_best"])
        gaps.append(ours / best - 1)
        print(
            f"| {k} | {s_shape:,.0f} | {exact:,.0f} | {ours:,.0f} | {best:,.0f} ({ref[k]['optimal_proven']}) | "
            f"{100 * gaps[-1]:+.2f} % | {cpu:.1f} |"
        )
    print(f"\nmean gap {100 * float(np.mean(gaps)):+.2f} %, worst {100 * max(gaps):+.2f} % ({len(gaps)} instances)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
