"""Exact shortest pick route for two-block layouts (front, middle and back cross aisle).

The dynamic programme of Roodbergen & de Koster (2001), "Routing order pickers
in a warehouse with a middle aisle", written in the general form of Ratliff &
Rosenthal (1983): a shortest route is a cheapest connected multigraph with even
degrees on the aisle graph of ``spec/layout.md`` that touches the depot and
every pick point, each edge used at most twice.

Aisles are processed left to right. The frontier is the three cross-aisle
vertices of the current aisle (front, middle, back); a state is, for each of
them, its degree class (untouched / even / odd) and the partition of the
touched ones into connected components of the partial tour: 71 states, plus
EMPTY (nothing built, state 0) and CLOSED (a finished tour, the last state).

* vertical step, aisle ``j``: each of its two block segments takes one of
  NONE, FULL1 (through once), FULL2 (through twice), GAP (in and out from both
  ends, leaving the largest gap between picks), LOW (in and out from the front
  end), HIGH (from the back end); NONE only without picks, the last three only
  with picks.
* horizontal step, aisle ``j`` → ``j + 1``: 0, 1 or 2 copies of each of the
  three cross-aisle edges. A depot between the two aisles is a required point
  on the front edge: 1 or 2 copies through it, or fetched twice from the left
  (FROM_LEFT) or the right (FROM_RIGHT) end only. The leaving vertices must end
  with even degree, touched if required (a pick on a cross-aisle line, or the
  depot standing on the aisle), and each of their components must reach the
  new frontier; one lone component may instead close the tour.

Transitions are tabulated once in plain Python (``_vertical``, ``_horizontal``);
the numba kernel only walks the tables. The optimal multigraph is rebuilt from
the back pointers, walked as an Euler circuit from the depot, and the pick
points are taken in first-visit order: shortcutting never lengthens a walk, so
that order's layout.md length equals the optimum.
"""

from __future__ import annotations

import itertools

import numpy as np
from numba import njit

from wms.picking.routing.problem import LayoutArrays, Route, RoutingProblem

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


# ---- state space and transitions (plain Python, tabulated at import) ----


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


# ---- numba kernels ----


@njit(cache=True)
def _dp(v_next, h_next, h_mask, v_cost, h_cost, required):
    """Cheapest tour over the aisles; returns (length, vertical option per aisle, horizontal option per aisle)."""
    n_aisles, n_states = v_cost.shape[0], v_next.shape[0]
    back = np.full((n_aisles, 2, n_states, 2), -1, dtype=np.int64)  # (previous state, option)
    cost = np.full(n_states, np.inf)
    cost[0] = 0.0
    for j in range(n_aisles):
        for half in range(2):
            table, step = (v_next, v_cost) if half == 0 else (h_next, h_cost)
            nxt = np.full(n_states, np.inf)
            for s in range(n_states):
                if cost[s] == np.inf:
                    continue
                for o in range(table.shape[1]):
                    t, c = table[s, o], step[j, o]
                    if t < 0 or c == np.inf or (half == 1 and (required[j] & ~h_mask[s, o]) != 0):
                        continue
                    if cost[s] + c < nxt[t]:
                        nxt[t] = cost[s] + c
                        back[j, half, t, 0], back[j, half, t, 1] = s, o
            cost = nxt
    choice = np.full((n_aisles, 2), -1, dtype=np.int64)
    s = n_states - 1
    if cost[s] < np.inf:
        for j in range(n_aisles - 1, -1, -1):
            for half in range(1, -1, -1):
                choice[j, half] = back[j, half, s, 1]
                s = back[j, half, s, 0]
    return cost[n_states - 1], choice


@njit(cache=True)
def _euler_circuit(n_nodes, us, vs, start):
    """Hierholzer on an undirected multigraph whose every degree is even; returns the node sequence."""
    m = us.shape[0]
    first = np.zeros(n_nodes + 1, dtype=np.int64)
    for e in range(m):
        first[us[e] + 1] += 1
        first[vs[e] + 1] += 1
    first = np.cumsum(first)
    fill = first[:-1].copy()
    incident = np.empty(2 * m, dtype=np.int64)
    for e in range(m):
        incident[fill[us[e]]] = e
        fill[us[e]] += 1
        incident[fill[vs[e]]] = e
        fill[vs[e]] += 1
    used = np.zeros(m, dtype=np.bool_)
    cursor = first[:-1].copy()
    stack = np.empty(m + 1, dtype=np.int64)
    circuit = np.empty(m + 1, dtype=np.int64)
    stack[0], top, length = start, 1, 0
    while top > 0:
        v = stack[top - 1]
        while cursor[v] < first[v + 1] and used[incident[cursor[v]]]:
            cursor[v] += 1
        if cursor[v] == first[v + 1]:
            circuit[length] = v
            length += 1
            top -= 1
        else:
            e = incident[cursor[v]]
            used[e] = True
            stack[top] = vs[e] if us[e] == v else us[e]
            top += 1
    return circuit[:length]


# ---- problem → arrays → route ----


def _depot_place(layout: LayoutArrays) -> tuple[int, int]:
    """(aisle the depot stands on, or -1; aisle left of the front edge holding it, or -1)."""
    ax, dx = layout.aisle_x, layout.depot_x
    on = np.flatnonzero(ax == dx)
    if on.size:
        return int(on[0]), -1
    if not ax[0] < dx < ax[-1]:
        raise ValueError("the depot must lie on the front cross aisle between the first and last aisle")
    return -1, int(np.searchsorted(ax, dx)) - 1


def _classify(problem: RoutingProblem, depot_aisle: int):
    """Node of each point, required cross-aisle vertices per aisle, distinct pick ys per (aisle, block)."""
    n_aisles, cys = problem.layout.n_aisles, problem.layout.cross_y.tolist()
    required = np.zeros(n_aisles, dtype=np.int64)
    if depot_aisle >= 0:
        required[depot_aisle] = 1  # the depot stands on that aisle's front vertex
    node = np.empty(len(problem.aisle), dtype=np.int64)
    picks: dict[tuple[int, int], set[float]] = {}
    where = []
    for i, (a, y) in enumerate(zip(problem.aisle.tolist(), problem.y.tolist(), strict=True)):
        if not (0 <= a < n_aisles and cys[0] <= y <= cys[-1]):
            raise ValueError(f"pick point {i} lies outside the layout")
        if y in cys:
            node[i] = 3 * a + cys.index(y)
            required[a] |= 1 << cys.index(y)
        else:
            where.append((i, a, 0 if y < cys[1] else 1, y))
            picks.setdefault((a, where[-1][2]), set()).add(y)
    segments = {key: sorted(ys) for key, ys in sorted(picks.items())}
    ids: dict[tuple[int, int, float], int]
    ids, base = {}, 3 * n_aisles + 1  # 3 * n_aisles is the depot between aisles
    for (a, b), ys in segments.items():
        for y in ys:
            ids[a, b, y] = base + len(ids)
    for i, a, b, y in where:
        node[i] = ids[a, b, y]
    return node, required, segments, ids


def _segment_costs(ys: list[float], lo: float, hi: float) -> list[float]:
    span, inf = hi - lo, np.inf
    if not ys:
        return [0.0, span, 2 * span, inf, inf, inf]
    gap = 2 * (span - max(np.diff(ys))) if len(ys) > 1 else inf
    return [inf, span, 2 * span, gap, 2 * (ys[-1] - lo), 2 * (hi - ys[0])]


def _step_costs(layout: LayoutArrays, segments, gap_aisle: int) -> tuple[np.ndarray, np.ndarray]:
    ax, cy, dx, n_aisles = layout.aisle_x, layout.cross_y, layout.depot_x, layout.n_aisles
    v_cost = np.empty((n_aisles, 36))
    h_cost = np.full((n_aisles, 45), np.inf)
    h_cost[n_aisles - 1, 0] = 0.0  # past the last aisle nothing is built
    for j in range(n_aisles):
        low = _segment_costs(segments.get((j, 0), []), cy[0], cy[1])
        high = _segment_costs(segments.get((j, 1), []), cy[1], cy[2])
        v_cost[j] = np.add.outer(low, high).ravel()
        if j < n_aisles - 1:
            p = ax[j + 1] - ax[j]
            front = (
                [np.inf, p, 2 * p, 2 * (dx - ax[j]), 2 * (ax[j + 1] - dx)]
                if j == gap_aisle
                else [0.0, p, 2 * p, np.inf, np.inf]
            )
            other = np.array([0.0, p, 2 * p])
            h_cost[j] = (np.array(front)[:, None, None] + other[None, :, None] + other[None, None, :]).ravel()
    return v_cost, h_cost


def _chain(edges: list[tuple[int, int]], nodes: list[int], times: int) -> None:
    for a, b in itertools.pairwise(nodes):
        edges.extend([(a, b)] * times)


def _tour_edges(n_aisles: int, choice: np.ndarray, segments, ids, gap_aisle: int) -> list[tuple[int, int]]:
    """The optimal multigraph's edges from the chosen options."""
    edges: list[tuple[int, int]] = []
    depot = 3 * n_aisles
    for j in range(n_aisles):
        for b, option in enumerate(divmod(int(choice[j, 0]), 6)):
            ys = segments.get((j, b), [])
            nodes, lo, hi = [ids[j, b, y] for y in ys], 3 * j + b, 3 * j + b + 1
            if option in (FULL1, FULL2):
                _chain(edges, [lo, *nodes, hi], option)
            elif option == LOW:
                _chain(edges, [lo, *nodes], 2)
            elif option == HIGH:
                _chain(edges, [*nodes, hi], 2)
            elif option == GAP:
                g = int(np.argmax(np.diff(ys))) + 1
                _chain(edges, [lo, *nodes[:g]], 2)
                _chain(edges, [*nodes[g:], hi], 2)
        if j == n_aisles - 1:
            continue
        h = int(choice[j, 1])
        for k, c in enumerate((h // 9, h // 3 % 3, h % 3)):
            left, right = 3 * j + k, 3 * j + 3 + k
            if c in (1, 2):
                _chain(edges, [left, depot, right] if k == 0 and j == gap_aisle else [left, right], c)
            elif c == FROM_LEFT:
                _chain(edges, [left, depot], 2)
            elif c == FROM_RIGHT:
                _chain(edges, [depot, right], 2)
    return edges


def route_length(layout: LayoutArrays, aisle: np.ndarray, y: np.ndarray, order: np.ndarray) -> float:
    """layout.md walk depot → points in ``order`` → depot."""
    if len(order) == 0:
        return 0.0
    x, y = layout.aisle_x[aisle[order]], y[order]
    ends = abs(layout.depot_x - x[0]) + y[0] + abs(layout.depot_x - x[-1]) + y[-1]
    x1, x2, y1, y2 = x[:-1], x[1:], y[:-1], y[1:]
    cy = layout.cross_y[:, None]
    via = np.abs(x1 - x2) + (np.abs(y1 - cy) + np.abs(y2 - cy)).min(axis=0, initial=np.inf)
    return float(ends + np.where(x1 == x2, np.abs(y1 - y2), via).sum())


def solve_two_block(problem: RoutingProblem) -> Route:
    """Shortest route through the problem's pick points on a layout with blocks == 2."""
    layout = problem.layout
    if layout.blocks != 2:
        raise ValueError("solve_two_block needs a two-block layout (front, middle and back cross aisle)")
    aisle = np.asarray(problem.aisle, dtype=np.int64)
    ys = np.asarray(problem.y, dtype=np.float64)
    problem = RoutingProblem(aisle=aisle, y=ys, layout=layout)
    on_aisle, gap_aisle = _depot_place(layout)
    node, required, segments, ids = _classify(problem, on_aisle)
    n_nodes = 3 * layout.n_aisles + 1 + len(ids)
    depot = 3 * on_aisle if on_aisle >= 0 else 3 * layout.n_aisles
    if np.all(node == depot):  # nothing to pick, or every pick at the depot
        return Route(order=np.arange(len(aisle), dtype=np.int64), length=0.0)
    v_cost, h_cost = _step_costs(layout, segments, gap_aisle)
    best, choice = _dp(V_NEXT, H_NEXT, H_MASK, v_cost, h_cost, required)
    if not np.isfinite(best):
        raise RuntimeError("two-block DP found no tour")  # unreachable: a full sweep is always feasible
    edges = np.array(_tour_edges(layout.n_aisles, choice, segments, ids, gap_aisle), dtype=np.int64)
    circuit = _euler_circuit(n_nodes, edges[:, 0].copy(), edges[:, 1].copy(), depot)
    nodes, first = np.unique(circuit, return_index=True)
    rank = np.full(n_nodes, len(circuit), dtype=np.int64)
    rank[nodes] = first
    order = np.argsort(rank[node], kind="stable").astype(np.int64)
    if rank[node].max() == len(circuit):
        raise RuntimeError("two-block tour misses a pick point")  # unreachable by construction
    return Route(order=order, length=route_length(layout, aisle, ys, order), status="exact")
