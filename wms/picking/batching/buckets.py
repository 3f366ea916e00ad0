"""Spatial buckets of the jobs' pick points, so that searches for nearby jobs need not scan every job.

A cell is one aisle and one band of ``band`` metres along y, per carrier group;
``ix`` lists the jobs with a point in each cell (CSR, each job once per cell,
ascending). The walk between two pick points is never shorter than
|x1 - x2| + |y1 - y2| (within an aisle it is |y1 - y2|; between aisles it goes
through a cross aisle, ``walk`` in :mod:`lengths`), so every job of group g with
a point within walking distance R of (aisle a, y) has a point in one of the
cells ``box_cells`` returns for (g, a, y, R): no search through them misses it.

``ix`` = (cell_start, cell_job, gid, band, n_bands, reach):
gid is the dense group id (0..G-1) of every job; ``reach`` is a radius from
which every cell of the group is within the box of any point.
"""

from __future__ import annotations

import numpy as np
from numba import njit

BANDS = 32  # bands along y per aisle


def cell_index(lay: tuple, jb: tuple) -> tuple:
    point_start, point_aisle, point_y, group = jb[0], jb[1], jb[2], jb[5]
    aisle_x, cross_y = lay[0], lay[1]
    n_jobs, n_aisles = len(point_start) - 1, len(aisle_x)
    top = max(float(cross_y[-1]), float(point_y.max()) if len(point_y) else 0.0, 1e-9)
    band = top / BANDS
    gid = np.unique(group, return_inverse=True)[1].astype(np.int64).reshape(-1) if n_jobs else group.copy()
    n_groups = int(gid.max()) + 1 if n_jobs else 0
    job = np.repeat(np.arange(n_jobs, dtype=np.int64), np.diff(point_start))
    bands = np.minimum((point_y / band).astype(np.int64), BANDS - 1)
    cell = (gid[job] * n_aisles + point_aisle) * BANDS + bands
    pairs = np.unique(cell * max(n_jobs, 1) + job)
    cells, cell_job = pairs // max(n_jobs, 1), pairs % max(n_jobs, 1)
    cell_start = np.searchsorted(cells, np.arange(n_groups * n_aisles * BANDS + 1)).astype(np.int64)
    reach = float(aisle_x.max() - aisle_x.min()) + top + band if n_aisles else top
    return cell_start, cell_job.astype(np.int64), gid, band, BANDS, reach


@njit(cache=True, nogil=True)
def box_cells(ix, aisle_x, g, a, y, radius, out):
    """Fill ``out`` with the cells of group g within |dx| + |dy| <= radius of (aisle a, y); returns how many."""
    band, n_bands = ix[3], ix[4]
    n_aisles = aisle_x.shape[0]
    n = 0
    for a2 in range(n_aisles):
        rest = radius - abs(aisle_x[a2] - aisle_x[a])
        if rest < 0:
            continue
        lo = min(max(int(np.floor((y - rest) / band)), 0), n_bands - 1)
        hi = min(int(np.floor((y + rest) / band)), n_bands - 1)
        base = (g * n_aisles + a2) * n_bands
        for b in range(lo, hi + 1):
            out[n] = base + b
            n += 1
    return n


def cell_buffer(lay: tuple) -> np.ndarray:
    """Scratch for ``box_cells``: room for every cell of one group."""
    return np.empty(len(lay[0]) * BANDS, dtype=np.int64)
