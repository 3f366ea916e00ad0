"""Tiny waves against the brute-force optimum over every partition of the orders into carts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.unit.batching_cases import (
    brute_force,
    check_wave,
    layout,
    problem,
    set_partitions,
)
from wms.picking.batching import CartCapacity, plan_wave
from wms.picking.kernels import warm_up


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    warm_up()


def test_set_partitions_are_all_there() -> None:
    bell = [1, 1, 2, 5, 15, 52, 203, 877]
    for n, count in enumerate(bell):
        parts = list(set_partitions(list(range(n))))
        assert len(parts) == count
        assert len({tuple(sorted(tuple(sorted(c)) for c in p)) for p in parts}) == count


@pytest.mark.parametrize("seed", range(12))
def test_exact_wave_is_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lay = layout(rng)
    p = problem(
        rng,
        lay,
        int(rng.integers(1, 8)),
        max_lines=3,
        max_units=3,
        capacity=CartCapacity(max_orders=int(rng.integers(1, 4)), max_units=int(rng.integers(3, 10))),
    )
    result = plan_wave(p)
    check_wave(lay, p, result)
    if p.order_units.max() <= p.capacity.max_units:  # brute force keeps orders whole
        assert result.method == "optimal"
        assert math.isclose(result.total_distance, brute_force(p), abs_tol=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_exact_wave_with_carrier_groups(seed: int) -> None:
    rng = np.random.default_rng(50 + seed)
    lay = layout(rng)
    n = int(rng.integers(2, 8))
    p = problem(
        rng,
        lay,
        n,
        max_lines=3,
        max_units=2,
        capacity=CartCapacity(max_orders=3, max_units=6),
        carrier=rng.integers(0, 2, n),
        group_by_carrier=True,
    )
    result = plan_wave(p)
    check_wave(lay, p, result)
    assert math.isclose(result.total_distance, brute_force(p), abs_tol=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_heuristic_is_never_below_the_optimum_and_usually_on_it(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    lay = layout(rng)
    p = problem(rng, lay, 7, max_lines=2, max_units=2, capacity=CartCapacity(max_orders=3, max_units=5))
    best = brute_force(p)
    heuristic = plan_wave(p, exact_jobs=0)
    check_wave(lay, p, heuristic)
    assert heuristic.total_distance >= best - 1e-6
    assert heuristic.total_distance <= best * 1.05 + 1e-6
