"""Micro benchmark: the exact two-block route against the exact single-block route of the same 30 picks.

Each layout of the project's profiles (``wave_instances``: B2B 10 aisles × 45
bays, e-commerce 30 × 150; and a generated-world-like 20 × 40 with the depot on
an aisle) has a two-block twin: the same aisles and bays, a middle cross aisle
halfway. The same pick lists (30 random slots each, by aisle and bay) are routed
on both, single-block and two-block calls interleaved round after round, so
that a busy machine slows both alike; warm (kernels compiled or loaded, every
list routed once before timing).

    python -m pytest benchmarks/test_bench_routing_blocks.py -s
    python benchmarks/test_bench_routing_blocks.py [rounds]

prints, per layout, the median time of each and the ratio two-block / single-block of the medians.
"""

from __future__ import annotations

import gc
import sys
import time
from dataclasses import replace

import numpy as np
import pytest

from benchmarks.wave_instances import B2B_LAYOUT, ECOM_LAYOUT
from wms.inventory.layout import Layout
from wms.picking.routing.problem import LayoutArrays, RoutingProblem
from wms.picking.routing.single_block import solve_single_block
from wms.picking.routing.two_block import solve_two_block

N_PICKS, N_LISTS, SEED = 30, 8, 2001
ROUNDS = 400  # rounds over the N_LISTS lists: 3,200 timed calls of each router per layout
GENERATED = Layout(  # as benchmarks/generate.py draws them: 10-30 aisles, depot on an aisle
    aisles=20,
    aisle_pitch_m=3.0,
    blocks=1,
    bays_per_block=40,
    bay_width_m=1.0,
    cross_aisle_width_m=3.0,
    levels=1,
    depot_x_m=21.0,
)
LAYOUTS = {"b2b 10x45": B2B_LAYOUT, "e-commerce 30x150": ECOM_LAYOUT, "generated 20x40, depot at aisle 8": GENERATED}


def two_block_twin(layout: Layout) -> Layout:
    return replace(layout, blocks=2, bays_per_block=(layout.bays_per_aisle + 1) // 2)


def problem(layout: Layout, aisle: np.ndarray, bay: np.ndarray) -> RoutingProblem:
    y = np.array([layout.bay_y(int(b)) for b in bay], dtype=np.float64)
    return RoutingProblem(aisle=aisle, y=y, layout=LayoutArrays.from_layout(layout))


def pick_lists(layout: Layout) -> list[tuple[RoutingProblem, RoutingProblem]]:
    """(single-block problem, two-block problem) of the same slots, ``N_LISTS`` times."""
    rng = np.random.default_rng(SEED)
    twin = two_block_twin(layout)
    lists = []
    for _ in range(N_LISTS):
        aisle = rng.integers(0, layout.aisles, N_PICKS).astype(np.int64)
        bay = rng.integers(1, layout.bays_per_aisle + 1, N_PICKS)
        lists.append((problem(layout, aisle, bay), problem(twin, aisle, bay)))
    return lists


def interleaved(lists: list[tuple[RoutingProblem, RoutingProblem]], rounds: int) -> tuple[float, float]:
    """Median seconds of a single-block and of a two-block route, the two timed alternately."""
    for one, two in lists:  # warm: compiled (or loaded from the cache) before timing
        solve_single_block(one)
        solve_two_block(two)
    single, double = [], []
    clock = time.perf_counter
    gc.disable()
    try:
        for _ in range(rounds):
            for one, two in lists:
                t0 = clock()
                solve_single_block(one)
                t1 = clock()
                solve_two_block(two)
                t2 = clock()
                single.append(t1 - t0)
                double.append(t2 - t1)
    finally:
        gc.enable()
    return float(np.median(single)), float(np.median(double))


def report(rounds: int = ROUNDS) -> dict[str, float]:
    ratios = {}
    for name, layout in LAYOUTS.items():
        single, double = interleaved(pick_lists(layout), rounds)
        ratios[name] = double / single
        print(
            f"{name}: {N_PICKS} picks, {N_LISTS} lists × {rounds} rounds interleaved; median single-block "
            f"{single * 1e6:.1f} µs, two-block {double * 1e6:.1f} µs, ratio {double / single:.2f}×"
        )
    return ratios


def test_two_block_against_single_block(capsys: pytest.CaptureFixture[str]) -> None:
    for one, two in pick_lists(B2B_LAYOUT):
        assert solve_two_block(two).status == solve_single_block(one).status == "exact"
    with capsys.disabled():
        print()
        report()


if __name__ == "__main__":
    report(int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS)
