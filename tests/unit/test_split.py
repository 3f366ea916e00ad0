"""The multi-warehouse split against brute force on small random instances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.split_reference import brute_force
from wms.allocation.solver.split import ENUMERATED_WAREHOUSES, SplitProblem, _solve_cp_sat, objective, solve_split

instances = st.integers(1, 4).flatmap(
    lambda w: st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(1, 8), min_size=n, max_size=n),
            st.lists(st.lists(st.integers(0, 8), min_size=n, max_size=n), min_size=w, max_size=w),
            st.permutations(list(range(w))),
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(instances)
def test_split_is_optimal_against_brute_force(instance: tuple) -> None:
    demand, avail, ranks = (np.array(x, dtype=np.int64) for x in instance)
    result = solve_split(SplitProblem(demand, avail, ranks, seed=1))
    q = result.quantities
    fill = np.minimum(demand, avail.sum(axis=0))
    assert (q >= 0).all() and (q <= avail).all()
    assert (q.sum(axis=0) == fill).all() and (result.backorder == demand - fill).all()
    if fill.sum():
        assert objective(q, ranks) == brute_force(demand, avail, ranks)


def test_fast_path_takes_the_preferred_warehouse_that_has_everything() -> None:
    avail = np.array([[9, 9], [1, 0], [9, 9]])
    result = solve_split(SplitProblem(np.array([3, 4]), avail, np.array([2, 0, 1])))
    assert result.status == "fast_path" and result.quantities[2].tolist() == [3, 4] and result.shipments == 1


def test_shortage_is_backordered() -> None:
    result = solve_split(SplitProblem(np.array([10, 2]), np.array([[4, 2], [3, 0]])))
    assert result.backorder.tolist() == [3, 0] and result.quantities.sum(axis=0).tolist() == [7, 2]
    assert result.shipments == 2 and result.split_lines == 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_seed_same_answer(seed: int) -> None:
    rng = np.random.default_rng(seed)
    demand, avail = rng.integers(1, 10, 6), rng.integers(0, 6, (5, 6))
    a = solve_split(SplitProblem(demand, avail, seed=seed)).quantities
    b = solve_split(SplitProblem(demand, avail, seed=seed)).quantities
    assert (a == b).all()


def test_the_whole_pair_fast_path_is_optimal_against_brute_force() -> None:
    """Orders no warehouse fills alone but two fill with every line whole: answered without CP-SAT, and
    optimal (checked against brute force on every instance of a seeded sample that takes that path)."""
    rng = np.random.default_rng(3)
    taken = 0
    for _ in range(1500):
        w, n_lines = int(rng.integers(2, 6)), int(rng.integers(1, 6))
        demand = rng.integers(1, 5, n_lines)
        avail = rng.choice([0, 0, 1, 3, 5], (w, n_lines))
        ranks = rng.permutation(w)
        result = solve_split(SplitProblem(demand, avail, ranks))
        fill = np.minimum(demand, avail.sum(axis=0))
        if result.status == "fast_path" and not np.all(avail >= fill, axis=1).any():
            taken += 1
            assert (result.quantities.sum(axis=0) == fill).all() and (result.quantities <= avail).all()
            assert objective(result.quantities, ranks) == brute_force(demand, avail, ranks)
    assert taken > 100


@settings(max_examples=200, deadline=None)
@given(instances)
def test_cp_sat_is_optimal_against_brute_force(instance: tuple) -> None:
    """The CP-SAT model, which answers above ``ENUMERATED_WAREHOUSES`` warehouses, on the same instances."""
    demand, avail, ranks = (np.array(x, dtype=np.int64) for x in instance)
    fill = np.minimum(demand, avail.sum(axis=0))
    if not fill.sum():
        return
    result = _solve_cp_sat(SplitProblem(demand, avail, ranks, seed=1), fill, avail, ranks, demand - fill)
    assert (result.quantities.sum(axis=0) == fill).all() and (result.quantities <= avail).all()
    assert objective(result.quantities, ranks) == brute_force(demand, avail, ranks)


def test_enumeration_and_cp_sat_agree_on_larger_orders() -> None:
    """Up to ``ENUMERATED_WAREHOUSES`` warehouses the sets are enumerated: the same objective as CP-SAT's
    proven optimum on orders of up to 8 lines over up to 10 warehouses; above it, CP-SAT answers."""
    rng = np.random.default_rng(7)
    split = 0
    for _ in range(150):
        w, n_lines = int(rng.integers(3, ENUMERATED_WAREHOUSES + 1)), int(rng.integers(2, 9))
        demand = rng.integers(1, 9, n_lines)
        avail = rng.choice([0, 0, 0, 1, 2, 4, 8], (w, n_lines))
        ranks = rng.permutation(w)
        fill = np.minimum(demand, avail.sum(axis=0))
        result = solve_split(SplitProblem(demand, avail, ranks))
        if result.status != "optimal":
            continue  # answered before the enumeration (nothing available, one warehouse, a whole pair)
        split += 1
        exact = _solve_cp_sat(SplitProblem(demand, avail, ranks), fill, avail, ranks, demand - fill)
        assert exact.status == "optimal"
        assert (result.quantities.sum(axis=0) == fill).all() and (result.quantities <= avail).all()
        assert objective(result.quantities, ranks) == objective(exact.quantities, ranks)
    assert split > 30
    many = ENUMERATED_WAREHOUSES + 2
    avail = np.eye(many, dtype=np.int64)[:, :3] * 5 + np.eye(many, dtype=np.int64)[:, 3:6] * 5
    avail[0] = [1, 1, 1]  # no warehouse ships everything, no pair ships every line whole
    result = solve_split(SplitProblem(np.array([2, 2, 2]), avail[:, :3], np.arange(many)))
    assert result.status in ("optimal", "feasible") and result.quantities.sum(axis=0).tolist() == [2, 2, 2]
