"""The multi-warehouse split by brute force: the oracle of tests and benchmarks (small cases only)."""

from __future__ import annotations

import itertools

import numpy as np


def brute_force(
    demand: np.ndarray, avail: np.ndarray, ranks: np.ndarray, max_combinations: int | None = None
) -> tuple[int, int, int] | None:
    """Best (shipments, split lines, preference) over every choice of warehouses per line;
    None when there are more than ``max_combinations`` choices to try."""
    n_wh, n_lines = avail.shape
    fill = np.minimum(demand, avail.sum(axis=0))
    options = []
    for line in range(n_lines):
        if fill[line] == 0:
            options.append([()])
            continue
        options.append(
            [
                s
                for r in range(1, n_wh + 1)
                for s in itertools.combinations(range(n_wh), r)
                if all(avail[w, line] > 0 for w in s)
                and len(s) <= fill[line]
                and sum(avail[w, line] for w in s) >= fill[line]
            ]
        )
    if max_combinations is not None and int(np.prod([len(o) for o in options])) > max_combinations:
        return None
    best = None
    for choice in itertools.product(*options):
        used = set().union(*map(set, choice))
        value = (len(used), sum(max(len(s) - 1, 0) for s in choice), sum(int(ranks[w]) for w in used))
        best = value if best is None or value < best else best
    return best
