"""Equivalence classes of partial tour subgraphs (Ratliff & Rosenthal 1983) as tables.

The single-block dynamic programme sweeps the layout's columns (aisles, plus
the depot as a virtual column without an aisle) from left to right. What the
rest of the tour needs to know about the part built so far is summed up by the
two frontier vertices of the current column, its front end ``a`` (on the front
cross aisle) and its back end ``b``:

- the degree class of ``a`` and of ``b``: 0 (untouched), odd, or even and > 0;
- whether ``a`` and ``b`` lie in one component or in two.

Every component must touch the frontier (one that leaves it can never be
joined to the rest again), and every vertex that leaves the frontier must have
even degree, so that the finished subgraph is a connected Eulerian multigraph:
a closed walk through all its vertices.

Plain Python; the tables are built once at import and handed to the numba
kernel as int arrays. State codes: ``(da * 3 + db) * 2 + split``.
"""

from __future__ import annotations

import numpy as np

ZERO, ODD, EVEN = 0, 1, 2  # degree classes; EVEN means even and > 0
N_STATES = 18
EMPTY = 0  # nothing built yet

# Edges inside one aisle: (copies added at a, copies added at b, joins a and b).
# Multiplicities per aisle segment: none; every segment once; every segment twice;
# from the back down to the lowest pick and back; from the front up to the
# highest pick and back; both, leaving the largest gap between two picks out.
V_NONE, V_SINGLE, V_DOUBLE, V_TOP, V_BOTTOM, V_GAP = range(6)
VERTICAL = ((0, 0, False), (1, 1, True), (2, 2, True), (0, 2, False), (2, 0, False), (2, 2, False))

# Edges to the next column: copies of the front and of the back cross-aisle edge.
HORIZONTAL = ((0, 0), (1, 1), (2, 0), (0, 2), (2, 2))


def encode(da: int, db: int, split: bool) -> int:
    return (da * 3 + db) * 2 + int(split and da > 0 and db > 0)


def decode(s: int) -> tuple[int, int, bool]:
    return s // 6, (s // 2) % 3, bool(s % 2)


def add_degree(d: int, copies: int) -> int:
    if d == ZERO and copies == 0:
        return ZERO
    return ODD if (d + copies) % 2 else EVEN


def vertical_step(s: int, v: int) -> int:
    """The state after adding aisle option ``v`` to the column's frontier."""
    da, db, split = decode(s)
    va, vb, joins = VERTICAL[v]
    linked = joins or (da > 0 and db > 0 and not split)
    na, nb = add_degree(da, va), add_degree(db, vb)
    return encode(na, nb, not linked)


def horizontal_step(s: int, h: int, front_required: bool, back_required: bool) -> int:
    """The next column's state after adding cross-aisle option ``h``, or -1 if infeasible.

    The current column's ``a`` and ``b`` leave the frontier: their final degree
    must be even, positive where a required point (the depot, a pick on the
    cross aisle) sits, and each component they carry must continue rightwards.
    """
    da, db, split = decode(s)
    hf, hb = HORIZONTAL[h]
    fa, fb = add_degree(da, hf), add_degree(db, hb)
    if ODD in (fa, fb) or (front_required and fa == ZERO) or (back_required and fb == ZERO):
        return -1
    linked = da > 0 and db > 0 and not split
    if hf == 0 and hb == 0:
        return -1  # nothing carried on: the required first column is left behind
    if da > 0 and hf == 0 and not (linked and hb > 0):
        return -1
    if db > 0 and hb == 0 and not (linked and hf > 0):
        return -1
    return encode(hf, hb, not linked)


def is_final(s: int, front_required: bool, back_required: bool) -> bool:
    """Is the state after the last column's aisle edges a complete tour subgraph?"""
    da, db, split = decode(s)
    if ODD in (da, db) or (da == ZERO and db == ZERO) or split:
        return False
    return not ((front_required and da == ZERO) or (back_required and db == ZERO))


def tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(vertical (18, 6), horizontal (18, 5, 2, 2), final (18, 2, 2), front copies (5,), back copies (5,))."""
    vt = np.array([[vertical_step(s, v) for v in range(len(VERTICAL))] for s in range(N_STATES)], dtype=np.int64)
    ht = np.full((N_STATES, len(HORIZONTAL), 2, 2), -1, dtype=np.int64)
    fin = np.zeros((N_STATES, 2, 2), dtype=np.bool_)
    for s in range(N_STATES):
        for fr in (0, 1):
            for br in (0, 1):
                fin[s, fr, br] = is_final(s, bool(fr), bool(br))
                for h in range(len(HORIZONTAL)):
                    ht[s, h, fr, br] = horizontal_step(s, h, bool(fr), bool(br))
    hf = np.array([h[0] for h in HORIZONTAL], dtype=np.int64)
    hb = np.array([h[1] for h in HORIZONTAL], dtype=np.int64)
    return vt, ht, fin, hf, hb


TABLES = tables()
