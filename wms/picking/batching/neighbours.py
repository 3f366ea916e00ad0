"""Candidate lists: for each job, the k jobs nearest to it by a cheap proxy.

The proxy between jobs i and j is the mean, over the points of both, of the
walk from a point of one to the nearest point of the other (a symmetric
chamfer distance on the layout's walking metric). Jobs of different carrier
groups are never candidates of each other. Rows are computed one at a time,
so memory stays linear in the number of jobs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.batching.lengths import walk


@njit(cache=True)
def _directed(aisle_x, cross_y, start, pa, py, i, j):
    total = 0.0
    for p in range(start[i], start[i + 1]):
        best = np.inf
        for q in range(start[j], start[j + 1]):
            best = min(best, walk(aisle_x, cross_y, 0.0, pa[p], py[p], pa[q], py[q]))
        total += best
    return total


@njit(cache=True)
def proxy(aisle_x, cross_y, start, pa, py, i, j):
    n = start[i + 1] - start[i] + start[j + 1] - start[j]
    return (_directed(aisle_x, cross_y, start, pa, py, i, j) + _directed(aisle_x, cross_y, start, pa, py, j, i)) / n


@njit(cache=True)
def nearest_jobs(lay, jb, k):
    """(J, k) nearest jobs of the same group, nearest first; -1 pads rows with fewer candidates."""
    n = jb[0].shape[0] - 1
    aisle_x, cross_y, start, pa, py, group = lay[0], lay[1], jb[0], jb[1], jb[2], jb[5]
    out = np.full((n, k), -1, dtype=np.int64)
    row = np.empty(n)
    for i in range(n):
        for j in range(n):
            row[j] = np.inf if j == i or group[j] != group[i] else proxy(aisle_x, cross_y, start, pa, py, i, j)
        order = np.argsort(row, kind="mergesort")[:k]
        for r in range(order.shape[0]):
            if row[order[r]] < np.inf:
                out[i, r] = order[r]
    return out


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
