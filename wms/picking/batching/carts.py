"""The carts of a batching solution as numba-friendly arrays, and their small operations.

``jb`` (jobs):  (point_start, point_aisle, point_y, units, volume, group)
``st`` (carts): (cart_of (J,), members (J, M), size (J,), units (J,), volume (J,), group (J,),
                 length (J,), pos (J,), version (J,))
``cap``:        (max_orders, max_units, max_volume) as floats, inf when unlimited
``buf``:        (aisle, y) scratch arrays as long as all the jobs' points together

Cart ids run 0..J-1 (never more carts than jobs); a cart with size 0 is unused.
``cart_of[j]`` is -1 while job j is in no cart. ``version[c]`` changes with
every change of cart c, so that cached evaluations can be recognised as stale.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.batching.jobs import Jobs
from wms.picking.batching.lengths import points_length

EPS = 1e-9


def job_tuple(jobs: Jobs) -> tuple:
    return (jobs.point_start, jobs.point_aisle, jobs.point_y, jobs.units, jobs.volume, jobs.group)


def empty_carts(n_jobs: int, max_members: int) -> tuple:
    m = max(1, min(max_members, n_jobs))
    return (
        np.full(n_jobs, -1, dtype=np.int64),
        np.full((n_jobs, m), -1, dtype=np.int64),
        np.zeros(n_jobs, dtype=np.int64),
        np.zeros(n_jobs),
        np.zeros(n_jobs),
        np.full(n_jobs, -1, dtype=np.int64),
        np.zeros(n_jobs),
        np.full(n_jobs, -1, dtype=np.int64),
        np.zeros(n_jobs, dtype=np.int64),
    )


def buffers(jobs: Jobs) -> tuple[np.ndarray, np.ndarray]:
    n = max(1, len(jobs.point_aisle))
    return np.empty(n, dtype=np.int64), np.empty(n)


@njit(cache=True, nogil=True)
def copy_carts(src, dst):
    dst[0][:], dst[1][:, :], dst[2][:], dst[3][:], dst[4][:] = src[0], src[1], src[2], src[3], src[4]
    dst[5][:], dst[6][:], dst[7][:], dst[8][:] = src[5], src[6], src[7], src[8]


@njit(cache=True, nogil=True)
def _put(jb, buf, j, n):
    for p in range(jb[0][j], jb[0][j + 1]):
        buf[0][n], buf[1][n] = jb[1][p], jb[2][p]
        n += 1
    return n


@njit(cache=True, nogil=True)
def length_with(lay, jb, st, buf, c, skip, add, work):
    """Length of cart c (-1: a new cart) without job ``skip`` and with job ``add`` (-1: none)."""
    n = 0
    if c >= 0:
        for k in range(st[2][c]):
            j = st[1][c, k]
            if j != skip:
                n = _put(jb, buf, j, n)
    if add >= 0:
        n = _put(jb, buf, add, n)
    work[0] += 1
    return points_length(lay, buf[0][:n], buf[1][:n])


@njit(cache=True, nogil=True)
def union_length(lay, jb, st, buf, c1, c2, work):
    n = 0
    for c in (c1, c2):
        for k in range(st[2][c]):
            n = _put(jb, buf, st[1][c, k], n)
    work[0] += 1
    return points_length(lay, buf[0][:n], buf[1][:n])


@njit(cache=True, nogil=True)
def fits(jb, st, cap, c, skip, add):
    """Can cart c (-1: a new cart) take job ``add`` once ``skip`` has left it (-1: none)?"""
    if c < 0:
        return True
    size, units, volume = st[2][c], st[3][c], st[4][c]
    if skip >= 0:
        size, units, volume = size - 1, units - jb[3][skip], volume - jb[4][skip]
    if size > 0 and st[5][c] != jb[5][add]:
        return False
    return (
        size + 1 <= cap[0]
        and units + jb[3][add] <= cap[1] + EPS
        and volume + jb[4][add] <= cap[2] + EPS
        and size + 1 <= st[1].shape[1]
    )


@njit(cache=True, nogil=True)
def merge_fits(st, cap, c1, c2):
    size = st[2][c1] + st[2][c2]
    return (
        st[5][c1] == st[5][c2]
        and size <= cap[0]
        and size <= st[1].shape[1]
        and st[3][c1] + st[3][c2] <= cap[1] + EPS
        and st[4][c1] + st[4][c2] <= cap[2] + EPS
    )


@njit(cache=True, nogil=True)
def add_job(jb, st, c, j):
    k = st[2][c]
    st[1][c, k], st[7][j], st[0][j] = j, k, c
    st[2][c] = k + 1
    st[3][c] += jb[3][j]
    st[4][c] += jb[4][j]
    st[5][c] = jb[5][j]
    st[8][c] += 1


@njit(cache=True, nogil=True)
def remove_job(jb, st, j):
    c, k = st[0][j], st[7][j]
    last = st[2][c] - 1
    moved = st[1][c, last]
    st[1][c, k], st[7][moved] = moved, k
    st[1][c, last] = -1
    st[2][c] = last
    st[3][c] -= jb[3][j]
    st[4][c] -= jb[4][j]
    st[0][j], st[7][j] = -1, -1
    st[8][c] += 1
    if last == 0:
        st[3][c], st[4][c], st[6][c] = 0.0, 0.0, 0.0
    return c


@njit(cache=True, nogil=True)
def free_cart(st):
    for c in range(st[2].shape[0]):
        if st[2][c] == 0:
            return c
    return -1


@njit(cache=True, nogil=True)
def total_length(st):
    return st[6][st[2] > 0].sum()
