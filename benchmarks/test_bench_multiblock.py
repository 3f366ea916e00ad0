"""Routing quality in layouts with three or more blocks, against the Held–Karp optimum.

For pick lists of 11 to 14 distinct points (where Held–Karp is still exact and
quick) in 3- and 4-block layouts, the service's ``auto`` route for lists this
long is the best classic heuristic improved by 2-opt; this prints its gap to
the optimum (mean and worst) next to every classic heuristic, in one run:

    python -m pytest benchmarks/test_bench_multiblock.py -s
"""

from __future__ import annotations

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from wms.inventory.layout import Layout
from wms.picking.routing.heuristics import HEURISTICS
from wms.picking.routing.problem import LayoutArrays, RoutingProblem
from wms.picking.routing.router import route, warm_up

CASES = 200


def instances(blocks: int, seed: int) -> list[RoutingProblem]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(CASES):
        layout = Layout(aisles=int(rng.integers(4, 11)), aisle_pitch_m=3.0, blocks=blocks,
                        bays_per_block=int(rng.integers(5, 16)), bay_width_m=1.0, cross_aisle_width_m=2.0,
                        levels=1, depot_x_m=0.0)
        n = int(rng.integers(11, 15))
        bays = rng.choice(layout.bays_per_aisle * layout.aisles, size=n, replace=False)
        aisle = (bays // layout.bays_per_aisle).astype(np.int64)
        y = np.array([layout.bay_y(int(b % layout.bays_per_aisle) + 1) for b in bays])
        out.append(RoutingProblem(aisle, y, LayoutArrays.from_layout(layout)))
    return out


@pytest.mark.parametrize("blocks", [3, 4])
def test_multiblock_gap_to_optimum(benchmark: BenchmarkFixture, blocks: int) -> None:
    warm_up()
    problems = instances(blocks, seed=blocks)
    optimum = np.array([route(p, "held_karp").length for p in problems])
    ours = np.array(benchmark.pedantic(lambda: [route(p, "improved_heuristic").length for p in problems],
                                       rounds=3, iterations=1))
    rows = {"ours (best heuristic + 2-opt)": ours}
    for name, heuristic in HEURISTICS.items():
        rows[name] = np.array([heuristic(p).length for p in problems])
    print(f"\n{blocks} blocks, {CASES} pick lists of 11-14 points: gap to the Held-Karp optimum")
    for name, lengths in rows.items():
        gap = lengths / optimum - 1
        print(f"  {name:32s} mean {100 * gap.mean():6.2f} %   worst {100 * gap.max():6.2f} %")
    best_classic = np.min(np.vstack([rows[n] for n in HEURISTICS]), axis=0)
    benchmark.extra_info.update(mean_gap_pct=float(100 * (ours / optimum - 1).mean()),
                                worst_gap_pct=float(100 * (ours / optimum - 1).max()),
                                never_worse_than_best_classic=bool(np.all(ours <= best_classic + 1e-9)))
