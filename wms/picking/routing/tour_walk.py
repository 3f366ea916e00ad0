"""From the optimal tour subgraph of the single-block programme to a visiting order.

The programme chooses, per column, which aisle segments are walked (0, 1 or 2
times) and, per gap between columns, how often the front and back cross-aisle
edges are walked. ``tour_edges`` lists that multigraph one edge per copy;
``first_visits`` walks it as an Euler circuit from the depot (Hierholzer) and
returns the pick points in the order they are first reached.

Vertices: column ``c`` has its front end ``2c`` and its back end ``2c + 1``;
distinct point ``u`` strictly inside an aisle is vertex ``2C + u``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.routing.tour_states import V_BOTTOM, V_DOUBLE, V_NONE, V_SINGLE, V_TOP


@njit(cache=True, nogil=True)
def _segment_copies(v, seg, k, gap):
    """Copies of aisle segment ``seg`` (0 = front end to first pick, k = last pick to back end)."""
    if v == V_NONE:
        return 0
    if v == V_SINGLE:
        return 1
    if v == V_DOUBLE:
        return 2
    if v == V_TOP:
        return 0 if seg == 0 else 2
    if v == V_BOTTOM:
        return 0 if seg == k else 2
    return 0 if seg == gap else 2  # V_GAP


@njit(cache=True, nogil=True)
def _aisle_edges(c, v, lo, hi, gap, n_cols, eu, ev, ne):
    k = hi - lo
    for seg in range(k + 1):
        u = 2 * c if seg == 0 else 2 * n_cols + lo + seg - 1
        w = 2 * c + 1 if seg == k else 2 * n_cols + lo + seg
        for _ in range(_segment_copies(v, seg, k, gap)):
            eu[ne], ev[ne] = u, w
            ne += 1
    return ne


@njit(cache=True, nogil=True)
def tour_edges(vch, hch, p_lo, p_hi, gap_at, hf, hb, n_points):
    """Edges (eu[i], ev[i]) of the tour subgraph, one per copy."""
    n_cols = vch.shape[0]
    cap = 2 * (n_points + n_cols) + 4 * n_cols
    eu = np.empty(cap, dtype=np.int64)
    ev = np.empty(cap, dtype=np.int64)
    ne = 0
    for c in range(n_cols):
        ne = _aisle_edges(c, vch[c], p_lo[c], p_hi[c], gap_at[c], n_cols, eu, ev, ne)
        if c + 1 < n_cols:
            for _ in range(hf[hch[c]]):
                eu[ne], ev[ne] = 2 * c, 2 * c + 2
                ne += 1
            for _ in range(hb[hch[c]]):
                eu[ne], ev[ne] = 2 * c + 1, 2 * c + 3
                ne += 1
    return eu[:ne], ev[:ne]


@njit(cache=True, nogil=True)
def _adjacency(eu, ev, n_vertices):
    """CSR incidence lists: the edges of vertex v are adj[offs[v]:offs[v + 1]]."""
    offs = np.zeros(n_vertices + 1, dtype=np.int64)
    for e in range(eu.shape[0]):
        offs[eu[e] + 1] += 1
        offs[ev[e] + 1] += 1
    for v in range(n_vertices):
        offs[v + 1] += offs[v]
    fill = offs[:-1].copy()
    adj = np.empty(2 * eu.shape[0], dtype=np.int64)
    for e in range(eu.shape[0]):
        adj[fill[eu[e]]] = e
        fill[eu[e]] += 1
        adj[fill[ev[e]]] = e
        fill[ev[e]] += 1
    return offs, adj


@njit(cache=True, nogil=True)
def first_visits(eu, ev, n_vertices, start, vertex_point, n_points):
    """Points (``vertex_point[v]`` ≥ 0) in first-visit order of an Euler circuit from ``start``."""
    offs, adj = _adjacency(eu, ev, n_vertices)
    used = np.zeros(eu.shape[0], dtype=np.bool_)
    nxt = offs[:-1].copy()
    stack = np.empty(eu.shape[0] + 1, dtype=np.int64)
    stack[0], top = start, 0
    seen = np.zeros(n_points, dtype=np.bool_)
    order = np.empty(n_points, dtype=np.int64)
    m = 0
    while top >= 0:
        v = stack[top]
        while nxt[v] < offs[v + 1] and used[adj[nxt[v]]]:
            nxt[v] += 1
        if nxt[v] < offs[v + 1]:
            e = adj[nxt[v]]
            used[e] = True
            top += 1
            stack[top] = ev[e] if eu[e] == v else eu[e]
        else:  # v closes the circuit here; the popped sequence is an Euler circuit
            p = vertex_point[v]
            if p >= 0 and not seen[p]:
                seen[p] = True
                order[m] = p
                m += 1
            top -= 1
    return order[:m]
