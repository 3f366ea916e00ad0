"""The column pool: carts the search has met, kept as job bitmasks with their lengths.

Every cart the annealing creates by an accepted move, and every cart of the
solutions it hands on, is a *column* that a set-partitioning step
(:mod:`recombine`) may later combine with others. A column is a row of
``W = ceil(J / 64)`` 64-bit words (bit j = job j is on the cart) and the
cart's length. The pool is a ring of fixed size: once full, the newest column
overwrites the oldest (late columns come from a colder, better search).

``pool`` = (masks (P, W) uint64, lengths (P,), count (1,) int64: columns ever recorded).
"""

from __future__ import annotations

import numpy as np
from numba import njit

POOL_SIZE = 1 << 16


def new_pool(n_jobs: int, size: int = POOL_SIZE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.zeros((size, max(1, (n_jobs + 63) // 64)), dtype=np.uint64), np.zeros(size), np.zeros(1, dtype=np.int64))


@njit(cache=True, nogil=True)
def record(pool, st, c):
    """Add cart c of ``st`` (with its stored length) to the pool."""
    if st[2][c] == 0:
        return
    masks, lengths, count = pool
    r = count[0] % masks.shape[0]
    masks[r, :] = 0
    for k in range(st[2][c]):
        j = st[1][c, k]
        masks[r, j >> 6] |= np.uint64(1) << np.uint64(j & 63)
    lengths[r] = st[6][c]
    count[0] += 1


@njit(cache=True, nogil=True)
def record_with(pool, st, c, skip, add, length):
    """Add cart c without job ``skip`` and with job ``add`` (-1: none) of the given length."""
    masks, lengths, count = pool
    r = count[0] % masks.shape[0]
    masks[r, :] = 0
    n = 0
    for k in range(st[2][c]):
        j = st[1][c, k]
        if j != skip:
            masks[r, j >> 6] |= np.uint64(1) << np.uint64(j & 63)
            n += 1
    if add >= 0:
        masks[r, add >> 6] |= np.uint64(1) << np.uint64(add & 63)
        n += 1
    if n > 0:
        lengths[r] = length
        count[0] += 1


def record_jobs(pool: tuple[np.ndarray, np.ndarray, np.ndarray], jobs: np.ndarray, length: float) -> None:
    """Add the cart holding ``jobs`` of the given length (plain numpy: a few thousand calls a wave, at most)."""
    masks, lengths, count = pool
    r = int(count[0] % masks.shape[0])
    masks[r, :] = 0
    jobs = np.asarray(jobs, dtype=np.uint64)
    np.bitwise_or.at(masks[r], (jobs >> np.uint64(6)).astype(np.int64), np.uint64(1) << (jobs & np.uint64(63)))
    lengths[r] = length
    count[0] += 1


@njit(cache=True, nogil=True)
def record_all(pool, st):
    for c in range(st[2].shape[0]):
        record(pool, st, c)


def distinct_columns(pool: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(masks, lengths) of the distinct carts in the pool, the shortest length kept for each."""
    masks, lengths, count = pool
    n = int(min(count[0], masks.shape[0]))
    by_length = np.argsort(lengths[:n], kind="stable")
    _, first = np.unique(masks[by_length], axis=0, return_index=True)
    keep = by_length[np.sort(first)]
    return masks[keep], lengths[keep]


def members(masks: np.ndarray, n_jobs: int) -> np.ndarray:
    """(columns, J) bool: which jobs each column holds."""
    bits = np.unpackbits(masks.view(np.uint8), axis=1, bitorder="little")
    return bits[:, :n_jobs].astype(np.bool_)
