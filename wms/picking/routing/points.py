"""Distinct pick points: several picks at one point are visited once.

Every routing algorithm works on the distinct points of a problem and expands
its visiting order back to the problem's indices, the picks at one point one
after the other (they cost nothing extra).
"""

from __future__ import annotations

import numpy as np

from wms.picking.routing.distance import order_length
from wms.picking.routing.problem import Route, RoutingProblem


def unique_problem(problem: RoutingProblem) -> tuple[RoutingProblem, np.ndarray]:
    """The problem of the distinct points, and for each original point the index of its distinct point."""
    aisle = np.asarray(problem.aisle, dtype=np.int64)
    y = np.asarray(problem.y, dtype=np.float64)
    if aisle.shape[0] == 0:
        return problem, np.zeros(0, dtype=np.int64)
    pairs = np.stack([aisle.astype(np.float64), y], axis=1)
    distinct, inverse = np.unique(pairs, axis=0, return_inverse=True)
    unique = RoutingProblem(aisle=distinct[:, 0].astype(np.int64), y=distinct[:, 1].copy(), layout=problem.layout)
    return unique, inverse.reshape(-1).astype(np.int64)


def expand_order(unique_order: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Original indices in the order of their distinct points (ties in index order)."""
    rank = np.empty(len(unique_order), dtype=np.int64)
    rank[np.asarray(unique_order, dtype=np.int64)] = np.arange(len(unique_order))
    return np.argsort(rank[inverse], kind="stable").astype(np.int64)


def finish(problem: RoutingProblem, unique_order: np.ndarray, inverse: np.ndarray, status: str) -> Route:
    """The Route of a distinct-point order, its length recomputed from the layout."""
    order = expand_order(unique_order, inverse)
    return Route(order=order, length=order_length(problem, order), status=status)
