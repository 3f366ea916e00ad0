"""Wave planning benchmarks: the same generated instances through every method, in one run.

    python -m pytest benchmarks/test_bench_waves.py -q --benchmark-only -p no:cacheprovider

For each profile and seed (``WMS_BENCH_WAVE_SEEDS``, default ``1,2,3``) one line:
FCFS + S-shape (the classic walk of the literature, ``traversal``; in brackets
the former baseline ``s_shape``: S order, stops joined by shortest walks),
FCFS + exact, constructive (seed algorithm) + exact, ours
(``plan_wave``) + exact, the ratios to both baselines against the profile's
targets, the number of carts and our runtime (pytest-benchmark times the
``plan_wave`` call, one round, after a warm-up). Every pick list of every
method is routed by the routing core (``auto`` = exact on one and two blocks).

``test_small_waves_against_the_optimum``: 40 random waves of at most 8 orders,
the brute-force optimum over all partitions against the planner's exact mode
and its heuristic (``exact_jobs=0``).

``WMS_BENCH_WAVE_BOUND=1`` adds ``test_b2b_lp_bound``: the LP bound over every
feasible cart of each B2B instance, at least ⌈units / cart⌉ carts (``lp_pricing``:
column generation with an exact pricer, ≈ 20 s per instance) —
whether a target is attainable at all. ``WMS_BENCH_WAVE_DEPOT_X=22.5`` computes
the same for the depot at the centre of the front cross aisle (a what-if; the
profile keeps the depot at the front-left corner).

``WMS_BENCH_WAVE_PYTHON=1`` adds ``test_plain_python_multiple``: the same
``plan_wave`` (same instance, same fixed work) with the numba kernels and with
every kernel run as plain Python (``NUMBA_DISABLE_JIT=1``), each in a fresh
process (``wave_timing``); prints both runtimes and the multiple. B2B seeds
from ``WMS_BENCH_WAVE_SEEDS``; e-commerce reduced to ``PYTHON_ECOMMERCE``
(plain Python would need ≈ 25 min for the full 1,000 orders).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.wave_instances import b2b, ecommerce, multi_block
from tests.unit.batching_cases import brute_force, check_wave, layout, problem
from wms.picking.batching import (
    CartCapacity,
    plan_constructive,
    plan_fcfs,
    plan_wave,
)
from wms.picking.batching.problem import BatchingProblem
from wms.picking.kernels import warm_up

PYTHON_ECOMMERCE = {"orders": 250, "limit": 2.0}  # e-commerce instance for the plain-Python comparison
SEEDS = [int(s) for s in os.environ.get("WMS_BENCH_WAVE_SEEDS", "1,2,3").split(",")]
# profile: (instance maker, time limit s, target: ours ≤ ratio × FCFS+S-shape, ≤ ratio × FCFS+exact)
PROFILES: dict[str, tuple[Callable[..., BatchingProblem], float, float | None, float | None]] = {
    "b2b": (b2b, 2.0, 0.71, 0.79),
    "ecommerce": (ecommerce, 10.0, 0.45, 0.55),
    "multi_block": (multi_block, 10.0, None, None),
}


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    warm_up()


@pytest.fixture
def say(capsys: pytest.CaptureFixture[str]) -> Callable[[str], None]:
    """Print a result line past pytest's capture."""

    def write(line: str) -> None:
        with capsys.disabled():
            print(f"\n{line}")

    return write


def _met(value: float, target: float | None) -> str:
    return "" if target is None else (" ok" if value <= target + 1e-12 else " MISSED")


@pytest.mark.benchmark(group="waves")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("profile", list(PROFILES))
def test_wave(benchmark: BenchmarkFixture, say: Callable[[str], None], profile: str, seed: int) -> None:
    make, limit, target_s, target_e = PROFILES[profile]
    wave = make(seed, time_limit_s=limit)
    t = time.perf_counter()
    fcfs_s, fcfs = plan_fcfs(wave, "traversal"), plan_fcfs(wave)  # the classic S-shape, and exact routing
    t_fcfs = time.perf_counter() - t
    fcfs_walks = plan_fcfs(wave, "s_shape")  # S order, stops joined by shortest walks (the former baseline)
    t = time.perf_counter()
    constructive = plan_constructive(wave)
    t_constructive = time.perf_counter() - t
    ours = benchmark.pedantic(plan_wave, args=(wave,), rounds=1, iterations=1)
    runtime = benchmark.stats.stats.max
    vs_s, vs_e = ours.total_distance / fcfs_s.total_distance, ours.total_distance / fcfs.total_distance
    info = {
        "orders": wave.n_orders,
        "lines": len(wave.line_aisle),
        "fcfs_traversal_m": fcfs_s.total_distance,
        "fcfs_s_shape_walks_m": fcfs_walks.total_distance,
        "fcfs_exact_m": fcfs.total_distance,
        "constructive_m": constructive.total_distance,
        "ours_m": ours.total_distance,
        "carts_fcfs": len(fcfs.pick_lists),
        "carts_constructive": len(constructive.pick_lists),
        "carts_ours": len(ours.pick_lists),
        "ours_vs_fcfs_traversal": vs_s,
        "ours_vs_fcfs_s_shape_walks": ours.total_distance / fcfs_walks.total_distance,
        "ours_vs_fcfs_exact": vs_e,
        "constructive_vs_fcfs_exact": constructive.total_distance / fcfs.total_distance,
        "runtime_s": runtime,
        "time_limit_s": limit,
        "status": ours.status,
        "fcfs_s": t_fcfs,
        "constructive_s": t_constructive,
        **ours.stats,
    }
    benchmark.extra_info.update(info)
    say(
        f"{profile:11s} seed {seed}: FCFS+S {fcfs_s.total_distance:9.0f} (walks {fcfs_walks.total_distance:9.0f})  "
        f"FCFS+exact {fcfs.total_distance:9.0f}  "
        f"constructive {constructive.total_distance:9.0f}  ours {ours.total_distance:9.0f}  "
        f"carts {len(fcfs.pick_lists)}/{len(constructive.pick_lists)}/{len(ours.pick_lists)}  "
        f"ours/FCFS+S {vs_s:.3f}{_met(vs_s, target_s)}  ours/FCFS+exact {vs_e:.3f}{_met(vs_e, target_e)}  "
        f"runtime {runtime:.2f} s{_met(runtime, limit)} ({ours.status})"
    )
    assert ours.total_distance <= constructive.total_distance + 1e-6
    assert len(ours.selected) == wave.n_orders


@pytest.mark.benchmark(group="waves-small")
def test_small_waves_against_the_optimum(benchmark: BenchmarkFixture, say: Callable[[str], None]) -> None:
    gaps, exact_hits = [], 0
    cases = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        lay = layout(rng)
        n = int(rng.integers(3, 9))
        cases.append(
            (
                lay,
                problem(
                    rng,
                    lay,
                    n,
                    max_lines=2,
                    max_units=2,
                    capacity=CartCapacity(max_orders=int(rng.integers(2, 4)), max_units=6),
                ),
            )
        )

    def run() -> list[tuple[float, float, float]]:
        return [
            (brute_force(p), plan_wave(p).total_distance, plan_wave(p, exact_jobs=0).total_distance) for _, p in cases
        ]

    results = benchmark.pedantic(run, rounds=1, iterations=1)
    for (lay, p), (best, exact, heuristic) in zip(cases, results, strict=True):
        check_wave(lay, p, plan_wave(p))
        exact_hits += abs(exact - best) < 1e-6
        gaps.append(heuristic / best - 1.0)
    info = {
        "instances": len(cases),
        "exact_mode_optimal": exact_hits,
        "heuristic_optimal": int(sum(g < 1e-9 for g in gaps)),
        "heuristic_mean_gap": float(np.mean(gaps)),
        "heuristic_max_gap": float(np.max(gaps)),
    }
    benchmark.extra_info.update(info)
    say(f"small waves (≤ 8 orders, brute force over all partitions): {info}")
    assert exact_hits == len(cases)
    assert min(gaps) > -1e-9


@pytest.mark.skipif(os.environ.get("WMS_BENCH_WAVE_BOUND") != "1", reason="set WMS_BENCH_WAVE_BOUND=1 (≈ 20 s each)")
@pytest.mark.benchmark(group="waves-bound")
@pytest.mark.parametrize("seed", SEEDS)
def test_b2b_lp_bound(benchmark: BenchmarkFixture, say: Callable[[str], None], seed: int) -> None:
    from benchmarks.lp_pricing import lp_bound_priced  # opt-in: prices millions of carts

    depot_x = float(os.environ.get("WMS_BENCH_WAVE_DEPOT_X", "0"))  # what-if only; the profile's depot is at 0
    wave = b2b(seed, depot_x_m=depot_x)
    found = benchmark.pedantic(lp_bound_priced, args=(wave,), rounds=1, iterations=1)
    assert found.converged, "an unconverged LP is no bound"
    bound = found.lp_bound
    fcfs_s, fcfs = plan_fcfs(wave, "traversal").total_distance, plan_fcfs(wave).total_distance
    ours = plan_wave(wave).total_distance
    benchmark.extra_info.update(
        asdict(found), depot_x_m=depot_x, fcfs_traversal_m=fcfs_s, fcfs_exact_m=fcfs, ours_m=ours
    )
    say(
        f"b2b seed {seed}, depot x {depot_x:g} m: FCFS+S {fcfs_s:.0f}, FCFS+exact {fcfs:.0f}, ours {ours:.0f}; "
        f"LP bound {bound:.0f} = {bound / fcfs_s:.3f} × FCFS+S, {bound / fcfs:.3f} × "
        f"FCFS+exact; ours {ours:.0f} = {ours / bound:.4f} × bound ({ours / fcfs_s:.3f} / {ours / fcfs:.3f}); "
        f"targets attainable: S-shape {'yes' if 0.71 * fcfs_s >= bound else 'NO'}, "
        f"exact {'yes' if 0.79 * fcfs >= bound else 'NO'}"
    )
    assert ours >= bound - 1e-6


def _timed(profile: str, seed: int, plain_python: bool, options: dict[str, float]) -> dict:
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1" if plain_python else "0"}
    args = [f"--{k}={v}" for k, v in options.items()]
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.wave_timing", profile, str(seed), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(os.environ.get("WMS_BENCH_WAVE_PYTHON") != "1", reason="set WMS_BENCH_WAVE_PYTHON=1 (minutes each)")
@pytest.mark.benchmark(group="waves-plain-python")
@pytest.mark.parametrize(
    ("profile", "seed", "options"), [("b2b", s, {}) for s in SEEDS] + [("ecommerce", 1, PYTHON_ECOMMERCE)]
)
def test_plain_python_multiple(
    benchmark: BenchmarkFixture, say: Callable[[str], None], profile: str, seed: int, options: dict[str, float]
) -> None:
    fast = benchmark.pedantic(_timed, args=(profile, seed, False, options), rounds=1, iterations=1)
    slow = _timed(profile, seed, True, options)
    multiple = slow["runtime_s"] / fast["runtime_s"]
    benchmark.extra_info.update(numba=fast, plain_python=slow, multiple=multiple)
    say(
        f"{profile} seed {seed} ({fast['orders']} orders, limit {fast['time_limit_s']:g} s): "
        f"numba {fast['runtime_s']:.2f} s, plain Python {slow['runtime_s']:.1f} s, multiple {multiple:.0f}×; "
        f"distance {fast['total_distance']:.0f} / {slow['total_distance']:.0f}, "
        f"lengths computed {fast['lengths_computed']} / {slow['lengths_computed']}"
    )
    assert slow["lengths_computed"] == fast["lengths_computed"]  # the same work was done
    assert slow["total_distance"] == pytest.approx(fast["total_distance"], abs=1e-6)
