"""The two-block programme's states and transitions as tables (plain Python, built once at import).

Roodbergen & de Koster (2001) in the general form of Ratliff & Rosenthal
(1983); see :mod:`two_block` for the programme. The frontier is the three
cross-aisle vertices of the current aisle (front, middle, back); a state is,
for each of them, its degree class (untouched / even / odd) and the partition
of the touched ones into connected components of the partial tour: 71 states,
plus EMPTY (nothing built, state 0) and CLOSED (a finished tour, the last state).

* vertical step, aisle ``j``: each of its two block segments takes one of
  NONE, FULL1 (through once), FULL2 (through twice), GAP (in and out from both
  ends, leaving the largest gap between picks), LOW (in and out from the front
  end), HIGH (from the back end); NONE only without picks, the last three only
  with picks. Option ``low * 6 + high`` (front block, back block).
* horizontal step, aisle ``j`` → ``j + 1``: 0, 1 or 2 copies of each of the
  three cross-aisle edges. A depot between the two aisles is a required point
  on the front edge: 1 or 2 copies through it, or fetched twice from the left
  (FROM_LEFT) or the right (FROM_RIGHT) end only. Option
  ``front * 9 + middle * 3 + back``. The leaving vertices must end with even
  degree, touched if required (a pick on a cross-aisle line, or the depot
  standing on the aisle), and each of their components must reach the new
  frontier; one lone component may instead close the tour.

``V_NEXT[state, option]`` and ``H_NEXT[state, option]`` are the next state (-1:
not allowed); ``H_MASK[state, option]`` the old frontier vertices (bit k: front,
middle, back) that the tour touches.
"""

from __future__ import annotations

import itertools

import numpy as np

Z, E, O = 0, 1, 2  # degree class of a frontier vertex: untouched, even (> 0), odd
NONE, FULL1, FULL2, GAP, LOW, HIGH = range(6)  # aisle-segment options
FROM_LEFT, FROM_RIGHT = 3, 4  # front-edge options beside 0, 1, 2 copies (depot between aisles)
CLOSED_KEY = "closed"
# segment option: (degree added to its front end, to its back end, ends joined)
_SEGMENT = {
    NONE: (0, 0, False),
    FULL1: (1, 1, True),
    FULL2: (2, 2, True),
    GAP: (2, 2, False),
    LOW: (2, 0, False),
    HIGH: (0, 2, False),
}


def _find(parent: list[int], a: int) -> int:
    while parent[a] != a:
        a = parent[a]
    return a


def _union(parent: list[int], a: int, b: int) -> None:
    parent[_find(parent, a)] = _find(parent, b)


def _forest(labels: tuple[int, ...], size: int) -> list[int]:
    """Union-find over ``size`` nodes with the frontier's components already joined."""
    parent = list(range(size))
    for a, b in itertools.combinations(range(3), 2):
        if labels[a] >= 0 and labels[a] == labels[b]:
            _union(parent, a, b)
    return parent


def _add(d: int, extra: int) -> int:
    if d == Z and extra == 0:
        return Z
    return O if (d == O) != (extra % 2 == 1) else E


def _key(degs: list[int], roots: list[int]) -> tuple[int, ...]:
    """State key: degree classes, then component labels numbered by first appearance."""
    names: dict[int, int] = {}
    labels = [names.setdefault(r, len(names)) if d != Z else -1 for d, r in zip(degs, roots, strict=True)]
    return (*degs, *labels)


def _vertical(state, low: int, high: int):
    """Add aisle segments (front block option ``low``, back block option ``high``)."""
    if state == CLOSED_KEY:
        return CLOSED_KEY if low == high == NONE else None
    parent, extra = _forest(state[3:], 3), [0, 0, 0]
    for block, option in ((0, low), (1, high)):
        at_front, at_back, joined = _SEGMENT[option]
        extra[block] += at_front
        extra[block + 1] += at_back
        if joined:
            _union(parent, block, block + 1)
    degs = [_add(d, x) for d, x in zip(state[:3], extra, strict=True)]
    return _key(degs, [_find(parent, k) for k in range(3)])


def _horizontal(state, copies: tuple[int, int, int]):
    """Add cross-aisle edges to the next aisle: (next state, mask of old vertices in the tour) or None."""
    if state == CLOSED_KEY:
        return (CLOSED_KEY, 0) if copies == (0, 0, 0) else None
    parent, extra, new = _forest(state[3:], 6), [0, 0, 0], [Z, Z, Z]
    for k, c in enumerate(copies):
        if c in (1, 2):
            extra[k], new[k] = c, (O if c == 1 else E)
            _union(parent, k, 3 + k)
        elif c == FROM_LEFT:
            extra[k] = 2
        elif c == FROM_RIGHT:
            new[k] = E
    old = [_add(d, x) for d, x in zip(state[:3], extra, strict=True)]
    if O in old:
        return None
    mask = sum(1 << k for k in range(3) if old[k] != Z)
    old_roots = {_find(parent, k) for k in range(3) if old[k] != Z}
    new_roots = {_find(parent, 3 + k) for k in range(3) if new[k] != Z}
    if old_roots <= new_roots:
        return _key(new, [_find(parent, 3 + k) for k in range(3)]), mask
    if len(old_roots) == 1 and not new_roots:
        return CLOSED_KEY, mask
    return None


def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keys: list[tuple[int, ...] | str] = sorted(
        {
            _key(list(d), list(r))
            for d in itertools.product((Z, E, O), repeat=3)
            for r in itertools.product(range(3), repeat=3)
        }
    )
    keys.append(CLOSED_KEY)  # keys[0] is EMPTY: nothing touched
    index = {k: i for i, k in enumerate(keys)}
    v_next = np.full((len(keys), 36), -1, dtype=np.int64)
    h_next = np.full((len(keys), 45), -1, dtype=np.int64)
    h_mask = np.zeros((len(keys), 45), dtype=np.int64)
    for i, key in enumerate(keys):
        for low, high in itertools.product(range(6), repeat=2):
            nxt = _vertical(key, low, high)
            if nxt is not None:
                v_next[i, low * 6 + high] = index[nxt]
        for front, middle, back in itertools.product(range(5), range(3), range(3)):
            res = _horizontal(key, (front, middle, back))
            if res is not None:
                h_next[i, front * 9 + middle * 3 + back], h_mask[i, front * 9 + middle * 3 + back] = (
                    index[res[0]],
                    res[1],
                )
    return v_next, h_next, h_mask


V_NEXT, H_NEXT, H_MASK = _tables()
N_STATES = V_NEXT.shape[0]
CLOSED = N_STATES - 1
# the horizontal options that have a next state, per state: H_OPTION[H_START[s]:H_START[s + 1]], increasing
H_START = np.concatenate(([0], np.cumsum((H_NEXT >= 0).sum(axis=1)))).astype(np.int64)
H_OPTION = np.nonzero(H_NEXT >= 0)[1].astype(np.int64)
TABLES = (V_NEXT, H_NEXT, H_MASK, H_START, H_OPTION)  # what the kernel takes after the problem's arrays
