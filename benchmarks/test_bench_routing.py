"""Micro benchmark: the exact single-block route of 30 picks in a 10-aisle warehouse.

The numba kernels against the very same code run as plain Python (every
kernel of the route swapped for its ``.py_func``), measured in the same run.

    python -m pytest benchmarks/test_bench_routing.py

prints both medians in µs and the speed-up (pytest-benchmark's table shows
the full statistics of the group ``routing-single-block-30``).
"""

from __future__ import annotations

import numpy as np
import pytest
from numba.core.registry import CPUDispatcher
from pytest_benchmark.fixture import BenchmarkFixture

from wms.inventory.layout import Layout
from wms.picking.routing import distance, single_block, tour_walk
from wms.picking.routing.problem import LayoutArrays, Route, RoutingProblem
from wms.picking.routing.router import warm_up
from wms.picking.routing.single_block import solve_single_block

LAYOUT = Layout(
    aisles=10,
    aisle_pitch_m=3.0,
    blocks=1,
    bays_per_block=30,
    bay_width_m=1.0,
    cross_aisle_width_m=2.0,
    levels=1,
    depot_x_m=0.0,
)
N_PICKS, SEED = 30, 1983
MEDIANS: dict[str, float] = {}  # seconds, filled by the numba test for the comparison


def pick_list() -> RoutingProblem:
    rng = np.random.default_rng(SEED)
    aisle = rng.integers(0, LAYOUT.aisles, N_PICKS)
    y = [LAYOUT.bay_y(int(b)) for b in rng.integers(1, LAYOUT.bays_per_aisle + 1, N_PICKS)]
    return RoutingProblem(aisle=aisle.astype(np.int64), y=np.array(y), layout=LayoutArrays.from_layout(LAYOUT))


PROBLEM = pick_list()


@pytest.fixture
def plain_python(monkeypatch: pytest.MonkeyPatch) -> Route:
    """Every numba kernel the single-block route calls, replaced by its own Python function.

    Returns the numba route of the pick list, computed before the swap.
    """
    warm_up()
    compiled = solve_single_block(PROBLEM)
    for module in (single_block, tour_walk, distance):
        for name, obj in list(vars(module).items()):
            if isinstance(obj, CPUDispatcher):
                monkeypatch.setattr(module, name, obj.py_func)
    return compiled


def median(benchmark: BenchmarkFixture) -> float | None:
    return benchmark.stats.stats.median if benchmark.stats else None


@pytest.mark.benchmark(group="routing-single-block-30")
def test_single_block_numba(benchmark: BenchmarkFixture) -> None:
    warm_up()  # compile or load the kernels outside the measurement
    route = benchmark(solve_single_block, PROBLEM)
    assert route.status == "exact" and sorted(route.order.tolist()) == list(range(N_PICKS))
    if (m := median(benchmark)) is not None:
        MEDIANS["numba"] = m


@pytest.mark.benchmark(group="routing-single-block-30")
def test_single_block_plain_python(
    benchmark: BenchmarkFixture, plain_python: Route, capsys: pytest.CaptureFixture[str]
) -> None:
    route = benchmark.pedantic(solve_single_block, args=(PROBLEM,), rounds=30, iterations=1, warmup_rounds=1)
    assert route.order.tolist() == plain_python.order.tolist() and route.length == plain_python.length
    slow = median(benchmark)
    if slow is None or "numba" not in MEDIANS:
        return
    fast_m = MEDIANS["numba"]
    with capsys.disabled():
        print(
            f"\nexact single-block route, {N_PICKS} picks, {LAYOUT.aisles} aisles: "
            f"numba median {fast_m * 1e6:.1f} µs, plain Python median {slow * 1e6:.1f} µs, "
            f"speed-up {slow / fast_m:.0f}×"
        )
