"""Brute-force shortest pick route over layout.md distances: the oracle for exact routers.

Plain Python, no numba: Held–Karp over the distinct pick points (a second pick at
the same point costs nothing), with the depot as the fixed start and end.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from tests.unit.routing_reference import Point, distance, from_depot, route_length
from wms.inventory.layout import Layout


def held_karp(layout: Layout, points: Sequence[Point]) -> float:
    """Length of the shortest route depot → all points → depot (O(2^n n^2), n distinct points)."""
    stops = sorted(set(points))
    n = len(stops)
    if n == 0:
        return 0.0
    d = [[distance(layout, p, q) for q in stops] for p in stops]
    start = [from_depot(layout, p) for p in stops]
    best = [[math.inf] * n for _ in range(1 << n)]
    for j in range(n):
        best[1 << j][j] = start[j]
    for mask in range(1, 1 << n):
        row = best[mask]
        for j in range(n):
            if row[j] == math.inf:
                continue
            dj = d[j]
            for k in range(n):
                if not mask >> k & 1:
                    nxt = best[mask | 1 << k]
                    nxt[k] = min(nxt[k], row[j] + dj[k])
    full = best[(1 << n) - 1]
    return min(full[j] + start[j] for j in range(n))


def by_permutations(layout: Layout, points: Sequence[Point]) -> float:
    """Every visiting order of the distinct points; only for very small n (checks the oracle itself)."""
    stops = sorted(set(points))
    return min(route_length(layout, list(order)) for order in itertools.permutations(stops)) if stops else 0.0
