"""The exact pricer of column generation over carts: carts of negative reduced cost, none missed.

Depth first over order sets in increasing index order, within the cart's units, volume, orders and carrier
group; a branch is cut when ``max(length(S), length({i, a})) − π(S ∪ {a}) − μ − gain ≥ −ε`` (i the cart's
first order, a the one joining, the pair lengths computed once by ``pair_lengths``; ``gain`` bounds the
duals the later orders could still add: the best ``slots`` positive duals among those that fit, and a
fractional knapsack on units). Routes on one block are exact and never shorten when an order joins, so the
cut loses no cart of negative reduced cost among each order's candidates: ``later_orders`` (every cart: the
LP bound of ``benchmarks/lp_pricing.py``) or ``neighbour_orders`` (the search's candidate lists made
symmetric: the planner's recombination, :mod:`column_generation`). Single-block layouts only.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wms.picking.batching.lengths import points_length
from wms.picking.routing.traversal import traversal_length

EPS = 1e-6


@njit(cache=True, nogil=True)
def route_length(lay, aisle, y, traversal):
    if traversal:
        return traversal_length(lay[0], lay[1], lay[2], aisle, y)
    return points_length(lay, aisle, y)


@njit(cache=True, nogil=True)
def _gain(jb, cand, lo, hi, pi, slots, room_u, room_v, ratio, wts):
    """An upper bound on the duals the candidates ``cand[lo:hi]`` can still add to a cart with this room."""
    nr = 0
    for t in range(lo, hi):
        b = cand[t]
        if pi[b] > 0 and jb[3][b] <= room_u + 1e-9 and jb[4][b] <= room_v + 1e-9:
            ratio[nr], wts[nr] = pi[b], jb[3][b]
            nr += 1
    if nr == 0 or slots <= 0:
        return 0.0
    top = 0.0
    by_pi = np.argsort(-ratio[:nr])
    for t in range(min(slots, nr)):
        top += ratio[by_pi[t]]
    if room_u == np.inf:
        return top
    for t in range(nr):  # fractional knapsack on units: duals per unit, best first
        ratio[t] /= max(wts[t], 1e-9)
    by_ratio = np.argsort(-ratio[:nr])
    left, knap = room_u, 0.0
    for t in range(nr):
        if left <= 0:
            break
        w = min(wts[by_ratio[t]], left)
        knap += ratio[by_ratio[t]] * w
        left -= w
    return min(top, knap)


@njit(cache=True, nogil=True)
def _cart(jb, orders, k, ba, by):
    m = 0
    for q in range(k + 1):
        for p in range(jb[0][orders[q]], jb[0][orders[q] + 1]):
            ba[m], by[m] = jb[1][p], jb[2][p]
            m += 1
    return m


def later_orders(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cs, cand) for ``price`` over every cart: each order's candidates are the later orders of its group."""
    n = len(group)
    lists = [np.nonzero(group[i + 1 :] == group[i])[0] + i + 1 for i in range(n)]
    return np.concatenate([[0], np.cumsum([len(c) for c in lists])]).astype(np.int64), (
        np.concatenate(lists).astype(np.int64) if n else np.zeros(0, np.int64)
    )


def neighbour_orders(start: np.ndarray, nbr: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cs, cand) for ``price`` over a neighbourhood: j is a candidate of i < j when either is in the other's
    candidate list (``start``, ``nbr``: :mod:`wms.picking.batching.neighbours`) and both share a group."""
    n = len(group)
    rows = np.repeat(np.arange(n), np.diff(start))
    lo, hi = np.minimum(rows, nbr), np.maximum(rows, nbr)
    keep = (lo != hi) & (group[lo] == group[hi])
    pairs = np.unique(np.stack([lo[keep], hi[keep]], axis=1), axis=0) if keep.any() else np.zeros((0, 2), np.int64)
    return np.searchsorted(pairs[:, 0], np.arange(n + 1)).astype(np.int64), pairs[:, 1].astype(np.int64)


@njit(cache=True, nogil=True)
def pair_lengths(lay, jb, cs, cand, traversal):
    """``floor[t]``: the length of the cart {i, cand[t]} for the anchor i of position t (``price``'s floor)."""
    ba = np.empty(jb[1].shape[0], dtype=np.int64)
    by = np.empty(jb[1].shape[0])
    pair = np.empty(2, dtype=np.int64)
    floor = np.empty(cand.shape[0])
    for i in range(cs.shape[0] - 1):
        for t in range(cs[i], cs[i + 1]):
            pair[0], pair[1] = i, cand[t]
            m = _cart(jb, pair, 1, ba, by)
            floor[t] = route_length(lay, ba[:m], by[:m], traversal)
    return floor


@njit(cache=True, nogil=True)
def price(
    lay, jb, cap, width, solo, pi, mu, start, max_nodes, traversal, cs, cand, floor, out_members, out_len, out_rc
):
    """Carts of negative reduced cost, anchors (a cart's lowest order) from ``start`` on, cyclically.

    The other orders of anchor i's carts are its candidates ``cand[cs[i]:cs[i + 1]]`` (ascending, above i, of
    its carrier group: ``later_orders`` for every cart, or a neighbourhood); ``floor[t]`` is the length of the
    cart {i, cand[t]}, a floor for every cart holding both (``pair_lengths``). Returns (carts stored, least
    reduced cost seen, lengths computed, anchors done). The pass stops after the anchor that fills ``out_*``,
    or within the one that reaches ``max_nodes`` (not counted as done); it is complete when every anchor is
    done.
    """
    n = pi.shape[0]
    deepest = int(min(width, cap[0]))
    ba = np.empty(jb[1].shape[0], dtype=np.int64)
    by = np.empty(jb[1].shape[0])
    stack = np.full(width + 1, -1, dtype=np.int64)
    orders = np.full(width + 1, -1, dtype=np.int64)
    units, volume, dual, lens = np.zeros(width + 1), np.zeros(width + 1), np.zeros(width + 1), np.zeros(width + 1)
    ratio, wts = np.empty(n), np.empty(n)
    count, nodes, least = 0, 0, np.inf
    for t in range(n):
        if count >= out_members.shape[0] or nodes >= max_nodes:
            return count, least, nodes, t
        i = (start + t) % n
        if pi[i] <= 0:
            continue  # an order of dual 0 only lengthens a cart (alone it is a column of the master)
        orders[0], units[0], volume[0], dual[0], lens[0] = i, jb[3][i], jb[4][i], pi[i], solo[i]
        rc = solo[i] - pi[i] - mu
        least = min(least, rc)
        if rc < -EPS and count < out_members.shape[0]:
            out_members[count, :] = -1
            out_members[count, 0] = i
            out_len[count], out_rc[count] = solo[i], rc
            count += 1
        lo, hi = cs[i], cs[i + 1]
        k = 1  # orders[0..k-1] is the cart; stack[k] the candidate position tried next at depth k
        stack[1] = lo - 1
        while k >= 1:
            stack[k] += 1
            p = stack[k]
            if p >= hi or k >= deepest:
                k -= 1
                continue
            a = cand[p]
            u, v = units[k - 1] + jb[3][a], volume[k - 1] + jb[4][a]
            if pi[a] <= 0 or u > cap[1] + 1e-9 or v > cap[2] + 1e-9:
                continue
            gain = _gain(jb, cand, p + 1, hi, pi, deepest - k - 1, cap[1] - u, cap[2] - v, ratio, wts)
            if max(lens[k - 1], floor[p]) - dual[k - 1] - pi[a] - gain - mu >= -EPS:
                continue  # no cart through this branch has a negative reduced cost
            orders[k] = a
            m = _cart(jb, orders, k, ba, by)
            units[k], volume[k], dual[k] = u, v, dual[k - 1] + pi[a]
            lens[k] = route_length(lay, ba[:m], by[:m], traversal)
            nodes += 1
            rc = lens[k] - dual[k] - mu
            least = min(least, rc)
            if rc < -EPS and count < out_members.shape[0]:
                out_members[count, :] = -1
                out_members[count, : k + 1] = orders[: k + 1]
                out_len[count], out_rc[count] = lens[k], rc
                count += 1
            if nodes >= max_nodes:
                return count, least, nodes, t  # this anchor unfinished: the next pass starts it again
            if k + 1 < deepest:
                stack[k + 1] = p
                k += 1
    return count, least, nodes, n
