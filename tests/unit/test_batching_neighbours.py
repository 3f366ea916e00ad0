"""Bucketed candidate lists and the seed algorithm's pool against all-pairs references."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.wave_instances import ecommerce
from tests.unit.batching_cases import layout, problem
from wms.picking.batching.buckets import box_cells, cell_buffer, cell_index
from wms.picking.batching.carts import add_job, fits, job_tuple, length_with
from wms.picking.batching.construct import seed_carts
from wms.picking.batching.jobs import Jobs, make_jobs, select_orders
from wms.picking.batching.lengths import layout_tuple, walk
from wms.picking.batching.neighbours import nearest_jobs, proxy
from wms.picking.batching.problem import BatchingProblem, CartCapacity
from wms.picking.batching.search import Search, make_search
from wms.picking.batching.seed_pool import seed_pool
from wms.picking.kernels import warm_up


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    warm_up()


def _setup(p: BatchingProblem) -> tuple[tuple, tuple, Jobs]:
    jobs = make_jobs(p, select_orders(p))
    return layout_tuple(p.layout), job_tuple(jobs), jobs


def _all_pairs(lay: tuple, jb: tuple, jobs: Jobs) -> np.ndarray:
    """The proxy of every pair of the same group (inf elsewhere and on the diagonal)."""
    d = np.full((jobs.n, jobs.n), np.inf)
    for i in range(jobs.n):
        for j in range(jobs.n):
            if i != j and jobs.group[i] == jobs.group[j]:
                d[i, j] = proxy(lay[0], lay[1], jb[0], jb[1], jb[2], i, j)
    return d


def _brute_force(d: np.ndarray, k: int) -> list[list[int]]:
    """The k nearest of each row, nearest first, ties by job index (the former all-pairs kernel)."""
    rows = []
    for row in d:
        order = np.argsort(row, kind="mergesort")[:k]
        rows.append([int(j) for j in order if row[j] < np.inf])
    return rows


def _nearest(lay: tuple, jb: tuple, k: int, visits: int) -> tuple[list[list[int]], np.ndarray]:
    near, exact_to = nearest_jobs(lay, jb, cell_index(lay, jb), cell_buffer(lay), k, visits)
    return [[int(j) for j in row if j >= 0] for row in near], exact_to


def _small(seed: int) -> BatchingProblem:
    rng = np.random.default_rng(seed)
    lay = layout(rng, blocks=int(rng.integers(1, 4)))
    grouped = bool(rng.random() < 0.5)
    n = int(rng.integers(2, 60))
    return problem(rng, lay, n, carrier=rng.integers(0, 3, n), group_by_carrier=grouped)


@pytest.mark.parametrize("seed", range(30))
def test_bucketed_lists_equal_all_pairs_when_the_visits_suffice(seed: int) -> None:
    p = _small(seed)
    lay, jb, jobs = _setup(p)
    d = _all_pairs(lay, jb, jobs)
    for k in (1, 3, 8):
        got, exact_to = _nearest(lay, jb, k, visits=10_000)
        assert got == _brute_force(d, k)
        assert np.all(exact_to > 0)


def test_bucketed_lists_equal_all_pairs_on_an_ecommerce_wave() -> None:
    lay, jb, jobs = _setup(ecommerce(4, n_orders=250))
    d = _all_pairs(lay, jb, jobs)
    got, exact_to = _nearest(lay, jb, 40, visits=10_000)
    assert got == _brute_force(d, 40)
    assert np.all(exact_to > 0)


@pytest.mark.parametrize(("seed", "visits"), [(5, 40), (6, 80), (7, 400)])
def test_capped_lists_miss_nothing_inside_their_exact_radius(seed: int, visits: int) -> None:
    """With few visits the lists are approximate, yet: same group, no repeats, nearest first, and no job
    nearer than both the exact radius and the k-th returned is missing."""
    p = ecommerce(seed, n_orders=400)
    p = BatchingProblem(**{**p.__dict__, "group_by_carrier": True})
    lay, jb, jobs = _setup(p)
    d, k = _all_pairs(lay, jb, jobs), 20
    got, exact_to = _nearest(lay, jb, k, visits)
    capped = 0
    for i, row in enumerate(got):
        assert i not in row and len(set(row)) == len(row)
        assert all(jobs.group[j] == jobs.group[i] for j in row)
        dist = d[i, row]
        assert np.all(np.diff(dist) >= 0)
        assert len(row) == min(k, int(np.isfinite(d[i]).sum()))
        bound = min(exact_to[i], dist[-1] if len(row) == k else np.inf)
        assert set(np.nonzero(d[i] < bound)[0]) <= set(row)
        if exact_to[i] == np.inf or (len(row) == k and dist[-1] <= exact_to[i]):
            assert dist[-1] == np.sort(d[i])[len(row) - 1]  # exact: the k-th is the true k-th
        else:
            capped += 1
    assert capped > 0  # the cap did bind somewhere: the property was tested where it matters


@pytest.mark.parametrize("seed", range(10))
def test_box_cells_hold_every_point_within_the_radius(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = problem(rng, layout(rng, blocks=int(rng.integers(1, 3))), 40)
    lay, jb, _ = _setup(p)
    ix, cells = cell_index(lay, jb), cell_buffer(lay)
    x = lay[0][jb[1]]
    for p0 in range(len(jb[1])):
        radius = float(rng.uniform(0.0, 15.0))
        box = set(cells[: box_cells(ix, lay[0], 0, jb[1][p0], jb[2][p0], radius, cells)].tolist())
        for q in np.nonzero(np.abs(x - x[p0]) + np.abs(jb[2] - jb[2][p0]) <= radius)[0]:
            j = int(np.searchsorted(jb[0], q, side="right") - 1)
            assert any(j in ix[1][ix[0][c] : ix[0][c + 1]] for c in box)


def _seeded(seed: int, n_max: int) -> tuple[Search, Jobs, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, n_max))
    volume = float(rng.uniform(2.0, 6.0)) if seed % 3 == 0 else None  # problem(): 0.5 a unit
    cap = CartCapacity(max_orders=int(rng.integers(2, 8)), max_units=int(rng.integers(4, 14)), max_volume=volume)
    p = problem(rng, layout(rng), n, capacity=cap, carrier=rng.integers(0, 3, n), group_by_carrier=seed % 2 == 0)
    jobs = make_jobs(p, select_orders(p))
    s = make_search(p, jobs, started=1e18)
    return s, jobs, np.lexsort((jobs.rank, -s.solo)).astype(np.int64)


def _seed_carts(s: Search, seeds: np.ndarray, rule: int, everyone: bool) -> tuple[tuple, int]:
    st = s.new_carts()
    pool = seed_pool(s.jb, s.ix)
    args = (s.nbr_start, s.nbr, s.ix, s.cells, pool, everyone)
    return st, seed_carts(s.lay, s.jb, st, s.cap, s.buf, seeds, s.solo, 5, rule, s.work, *args)


def _seed_reference(s: Search, seeds: np.ndarray, rule: int) -> tuple:
    """The seed algorithm as first written: every step ranks every unassigned job that fits."""
    lay, jb, st, k_eval = s.lay, s.jb, s.new_carts(), 5
    c = 0
    for seed in seeds:
        if st[0][seed] >= 0:
            continue
        add_job(jb, st, c, seed)
        st[6][c] = s.solo[seed]
        pmin = [walk(lay[0], lay[1], lay[2], jb[1][p], jb[2][p], -1, 0.0) for p in range(len(jb[1]))]
        joined = int(seed)
        while joined >= 0:
            for q in range(jb[0][joined], jb[0][joined + 1]):
                for p in range(len(pmin)):
                    pmin[p] = min(pmin[p], walk(lay[0], lay[1], 0.0, jb[1][p], jb[2][p], jb[1][q], jb[2][q]))
            near = np.full(len(s.solo), np.inf)
            for j in range(len(s.solo)):
                if st[0][j] < 0 and fits(jb, st, s.cap, c, -1, j):
                    near[j] = sum(pmin[jb[0][j] : jb[0][j + 1]])
            best, joined, best_len = np.inf, -1, 0.0
            for j in np.argsort(near, kind="mergesort")[:k_eval]:
                if near[j] < np.inf:
                    length = length_with(lay, jb, st, s.buf, c, -1, j, s.work)
                    score = length - st[6][c] - (s.solo[j] if rule == 1 else 0.0)
                    if score < best:
                        best, joined, best_len = score, int(j), length
            if joined >= 0:
                add_job(jb, st, c, joined)
                st[6][c] = best_len
        c += 1
    return st


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("rule", [0, 1])
def test_seed_carts_with_everyone_in_the_pool_are_the_first_written_ones(seed: int, rule: int) -> None:
    s, _, seeds = _seeded(seed, 40)
    st, _ = _seed_carts(s, seeds, rule, everyone=True)
    assert np.array_equal(st[0], _seed_reference(s, seeds, rule)[0])


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("rule", [0, 1])
@pytest.mark.parametrize("everyone", [False, True])
def test_seed_carts_are_feasible_and_closed_only_when_nothing_fits(seed: int, rule: int, everyone: bool) -> None:
    """Every job in one cart; a cart is closed only when no job still unassigned then (i.e. in a later
    cart) fits it — what the former scan over all unassigned jobs guaranteed."""
    s, jobs, seeds = _seeded(seed, 120)
    st, n_carts = _seed_carts(s, seeds, rule, everyone)
    assert np.all(st[0] >= 0) and np.all(st[0] < n_carts)
    assert st[2][:n_carts].sum() == jobs.n
    for c in range(n_carts):
        members = st[1][c, : st[2][c]]
        assert len(set(jobs.group[members])) == 1
        assert st[2][c] <= s.cap[0] and jobs.units[members].sum() <= s.cap[1] + 1e-9
        assert jobs.volume[members].sum() <= s.cap[2] + 1e-9
        for j in np.nonzero(st[0] > c)[0]:
            assert not fits(s.jb, st, s.cap, c, -1, j)
