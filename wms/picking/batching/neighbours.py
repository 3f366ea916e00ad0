"""Candidate lists: for each job, the k jobs nearest to it by a cheap proxy.

The proxy between jobs i and j is the mean, over the points of both, of the
walk from a point of one to the nearest point of the other (a symmetric
chamfer distance on the layout's walking metric). Jobs of different carrier
groups are never candidates of each other.

The search does not compare all pairs. For job i it looks at the jobs with a
point in the cells (:mod:`buckets`) within radius R of i's points, R = one band,
then doubled round by round. A job with no point within walking distance R of
any point of i has every nearest-point walk above R, so its proxy exceeds R:
once a round has seen every job of its cells and the k-th best proxy found is
at most R, the list is exact (the same as comparing all pairs, ties broken by
job index). The proxy is computed for at most ``visits`` jobs per job (shared
out between i's points, so that a crowded cell cannot take them all; a point
whose share is spent stops, the others widen on while fewer than k are
found); when that cap ends the search, the list holds the k best of the jobs
seen, and
``radius[i]`` says how far it is exact: no job with a proxy below
min(radius[i], the k-th proxy returned) is missing.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.batching.buckets import box_cells
from wms.picking.batching.lengths import walk


@njit(cache=True, nogil=True)
def _directed(aisle_x, cross_y, start, pa, py, i, j):
    total = 0.0
    for p in range(start[i], start[i + 1]):
        best = np.inf
        for q in range(start[j], start[j + 1]):
            best = min(best, walk(aisle_x, cross_y, 0.0, pa[p], py[p], pa[q], py[q]))
        total += best
    return total


@njit(cache=True, nogil=True)
def proxy(aisle_x, cross_y, start, pa, py, i, j):
    n = start[i + 1] - start[i] + start[j + 1] - start[j]
    return (_directed(aisle_x, cross_y, start, pa, py, i, j) + _directed(aisle_x, cross_y, start, pa, py, j, i)) / n


@njit(cache=True, nogil=True)
def _kth(dist, n, k):
    return np.partition(dist[:n].copy(), k - 1)[k - 1]


@njit(cache=True, nogil=True)
def _round(lay, jb, ix, cells, i, radius, seen, found, dist, n, quota, used):
    """Visit the jobs in the cells within ``radius`` of i's points; returns (jobs found, every job seen)."""
    aisle_x, cross_y, start, pa, py = lay[0], lay[1], jb[0], jb[1], jb[2]
    cell_start, cell_job, g = ix[0], ix[1], ix[2][i]
    complete = True
    for p in range(start[i], start[i + 1]):
        k = p - start[i]
        for c in cells[: box_cells(ix, aisle_x, g, pa[p], py[p], radius, cells)]:
            for t in range(cell_start[c], cell_start[c + 1]):
                j = cell_job[t]
                if j == i or seen[j] == i:
                    continue
                if used[k] >= quota:  # this point's share is spent: a job it would see stays unseen
                    complete = False
                    break
                seen[j], found[n] = i, j
                dist[n] = proxy(aisle_x, cross_y, start, pa, py, i, j)
                n += 1
                used[k] += 1
            if used[k] >= quota and not complete:
                break
    return n, complete


@njit(cache=True, nogil=True)
def nearest_jobs(lay, jb, ix, cells, k, visits):
    """(J, k) nearest jobs of the same group, nearest first (-1 pads), and the radius up to which each row is exact."""
    n_jobs = jb[0].shape[0] - 1
    start = jb[0]
    out = np.full((n_jobs, k), -1, dtype=np.int64)
    exact_to = np.zeros(n_jobs)
    seen = np.full(n_jobs, -1, dtype=np.int64)
    most = np.max(np.diff(start)) if n_jobs else 1
    found = np.empty(max(visits, most), dtype=np.int64)  # n_points * quota never exceeds this
    dist = np.empty(found.shape[0])
    used = np.zeros(most, dtype=np.int64)
    for i in range(n_jobs):
        n_points = start[i + 1] - start[i]
        quota = max(visits // n_points, 1)
        used[:n_points] = 0
        n, radius = 0, ix[3]
        while True:
            n, complete = _round(lay, jb, ix, cells, i, radius, seen, found, dist, n, quota, used)
            if complete:
                exact_to[i] = np.inf if radius >= ix[5] else radius
            if radius >= ix[5] or (n >= k and (not complete or _kth(dist, n, k) <= radius)):
                break
            radius *= 2.0
        by_job = np.argsort(found[:n])
        order = by_job[np.argsort(dist[by_job], kind="mergesort")][:k]
        for r in range(order.shape[0]):
            out[i, r] = found[order[r]]
    return out, exact_to


def candidate_lists(near: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(start, jobs) of each job's candidates, and of the reverse lists (who has j as a candidate)."""
    n = near.shape[0]
    rows, cols = np.nonzero(near >= 0)
    nbr = near[rows, cols]
    start = np.searchsorted(rows, np.arange(n + 1)).astype(np.int64)
    by_target = np.lexsort((rows, nbr))
    rev = rows[by_target].astype(np.int64)
    rev_start = np.searchsorted(nbr[by_target], np.arange(n + 1)).astype(np.int64)
    return start, nbr.astype(np.int64), rev_start, rev
