"""Routing quality in layouts with three or more blocks, against the Held–Karp optimum.

For pick lists of 11 to 14 distinct points (where Held–Karp is still exact and
quick) in 3- and 4-block layouts, this prints the gap to the optimum (mean and
worst) of the iterated local search ``multi_block`` (forced, although ``auto``
hands lists of up to ``HELD_KARP_AUTO`` points to Held–Karp), of ``auto``, of
the former fallback (best classic heuristic + 2-opt) and of every classic
heuristic, with the runtime per route. For lists of 30 and 60 points (no
optimum at hand) it prints ``multi_block`` and 2-opt against the best classic
heuristic, and against the best route a ten times longer search with another
seed finds (a reference, not an optimum). In one run:

    python -m pytest benchmarks/test_bench_multiblock.py -s
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from wms.inventory.layout import Layout
from wms.picking.routing.heuristics import HEURISTICS
from wms.picking.routing.multi_block import default_kicks, solve_multi_block
from wms.picking.routing.problem import LayoutArrays, Route, RoutingProblem
from wms.picking.routing.router import route, warm_up

CASES = 200
LONG_CASES = 50


def instances(blocks: int, seed: int, sizes: tuple[int, int] = (11, 15), cases: int = CASES) -> list[RoutingProblem]:
    """Random layouts of 4-10 aisles and pick lists of ``sizes[0]`` to ``sizes[1] - 1`` distinct points."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(cases):
        layout = Layout(
            aisles=int(rng.integers(4, 11)),
            aisle_pitch_m=3.0,
            blocks=blocks,
            bays_per_block=int(rng.integers(5, 16)),
            bay_width_m=1.0,
            cross_aisle_width_m=2.0,
            levels=1,
            depot_x_m=0.0,
        )
        n = int(rng.integers(*sizes))
        bays = rng.choice(layout.bays_per_aisle * layout.aisles, size=n, replace=False)
        aisle = (bays // layout.bays_per_aisle).astype(np.int64)
        y = np.array([layout.bay_y(int(b % layout.bays_per_aisle) + 1) for b in bays])
        out.append(RoutingProblem(aisle, y, LayoutArrays.from_layout(layout)))
    return out


def timed(solver: Callable[[RoutingProblem], Route], problems: list[RoutingProblem]) -> tuple[np.ndarray, np.ndarray]:
    """(lengths, seconds per route)."""
    lengths, seconds = [], []
    for p in problems:
        start = time.perf_counter()
        lengths.append(solver(p).length)
        seconds.append(time.perf_counter() - start)
    return np.array(lengths), np.array(seconds)


def report(rows: dict[str, np.ndarray], base: np.ndarray, times: dict[str, np.ndarray]) -> None:
    for name, lengths in rows.items():
        gap = lengths / base - 1
        clock = (
            f"   {1e3 * times[name].mean():6.2f} ms/route (max {1e3 * times[name].max():5.1f})" if name in times else ""
        )
        print(f"  {name:36s} mean {100 * gap.mean():6.2f} %   worst {100 * gap.max():6.2f} %{clock}")


@pytest.mark.parametrize("blocks", [3, 4])
def test_multiblock_gap_to_optimum(benchmark: BenchmarkFixture, blocks: int) -> None:
    warm_up()
    problems = instances(blocks, seed=blocks)
    optimum, hk_s = timed(lambda p: route(p, "held_karp"), problems)
    ours = np.array(
        benchmark.pedantic(lambda: [route(p, "multi_block").length for p in problems], rounds=3, iterations=1)
    )
    rows, times = {}, {"held_karp (optimum)": hk_s}
    rows["multi_block (iterated local search)"], times["multi_block (iterated local search)"] = timed(
        lambda p: route(p, "multi_block"), problems
    )
    rows["auto"], times["auto"] = timed(route, problems)
    rows["best heuristic + 2-opt (former)"], times["best heuristic + 2-opt (former)"] = timed(
        lambda p: route(p, "improved_heuristic"), problems
    )
    for name, heuristic in HEURISTICS.items():
        rows[name] = np.array([heuristic(p).length for p in problems])
    print(
        f"\n{blocks} blocks, {CASES} pick lists of 11-14 points: gap to the Held-Karp optimum "
        f"(Held-Karp {1e3 * hk_s.mean():.2f} ms/route, max {1e3 * hk_s.max():.1f})"
    )
    report(rows, optimum, times)
    best_classic = np.min(np.vstack([rows[n] for n in HEURISTICS]), axis=0)
    gap, ms = ours / optimum - 1, times["multi_block (iterated local search)"]
    print(f"  multi_block optimal on {int(np.sum(gap < 1e-9))} of {CASES}")
    benchmark.extra_info.update(
        mean_gap_pct=float(100 * gap.mean()),
        worst_gap_pct=float(100 * gap.max()),
        optimal=int(np.sum(gap < 1e-9)),
        ms_per_route=float(1e3 * ms.mean()),
        max_ms_per_route=float(1e3 * ms.max()),
        never_worse_than_best_classic=bool(np.all(ours <= best_classic + 1e-9)),
    )


@pytest.mark.parametrize("points", [30, 60])
@pytest.mark.parametrize("blocks", [3, 4])
def test_multiblock_long_lists(benchmark: BenchmarkFixture, blocks: int, points: int) -> None:
    warm_up()
    problems = instances(blocks, seed=100 * points + blocks, sizes=(points, points + 1), cases=LONG_CASES)
    ours = np.array(
        benchmark.pedantic(lambda: [route(p, "multi_block").length for p in problems], rounds=3, iterations=1)
    )
    rows, times = {}, {}
    rows["multi_block (iterated local search)"], times["multi_block (iterated local search)"] = timed(
        lambda p: route(p, "multi_block"), problems
    )
    rows["auto"], times["auto"] = timed(route, problems)
    rows["best heuristic + 2-opt (former)"], times["best heuristic + 2-opt (former)"] = timed(
        lambda p: route(p, "improved_heuristic"), problems
    )
    rows["best classic heuristic"], times["best classic heuristic"] = timed(
        lambda p: route(p, "best_heuristic"), problems
    )
    kicks = 10 * default_kicks(points)
    reference = np.array([solve_multi_block(p, seed=1, time_limit_s=60.0, n_kicks=kicks).length for p in problems])
    best_classic = rows["best classic heuristic"]
    print(f"\n{blocks} blocks, {LONG_CASES} pick lists of {points} points: against the best classic heuristic")
    report(rows, best_classic, times)
    print(f"  against the reference ({kicks} kicks, seed 1; no optimum known):")
    report({k: v for k, v in rows.items() if k != "auto"}, reference, {})
    gap = ours / reference - 1
    ms = times["multi_block (iterated local search)"]
    benchmark.extra_info.update(
        mean_vs_best_classic_pct=float(100 * (ours / best_classic - 1).mean()),
        mean_vs_reference_pct=float(100 * gap.mean()),
        worst_vs_reference_pct=float(100 * gap.max()),
        ms_per_route=float(1e3 * ms.mean()),
        max_ms_per_route=float(1e3 * ms.max()),
        never_worse_than_best_classic=bool(np.all(ours <= best_classic + 1e-9)),
    )
