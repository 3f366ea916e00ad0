"""FEFO: first expiring, first out — which stock may be allocated, and in what order.

Pure rules, no I/O. A lot is usable for an order when it is not expired
today and still has at least the item's ``min_shelf_life_days`` left on the
promised ship date. Usable stock is taken earliest expiry first, lots
without expiry last; among stock of the same expiry, the largest quantities
first, which takes the fewest locations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Candidate:
    stock_id: int
    expiry_date: date | None
    available: int


def is_usable(expiry_date: date | None, *, today: date, ship_date: date, min_shelf_life_days: int) -> bool:
    if expiry_date is None:
        return True
    return expiry_date >= today and expiry_date - ship_date >= timedelta(days=min_shelf_life_days)


def fefo_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    return sorted(
        candidates, key=lambda c: (c.expiry_date is None, c.expiry_date or date.max, -c.available, c.stock_id)
    )


def allocate(
    candidates: Sequence[Candidate], quantity: int, *, today: date, ship_date: date, min_shelf_life_days: int
) -> list[tuple[int, int]]:
    """(stock_id, quantity) taken FEFO for ``quantity``; less if there is not enough usable stock."""
    taken: list[tuple[int, int]] = []
    usable = [
        c
        for c in candidates
        if c.available > 0
        and is_usable(c.expiry_date, today=today, ship_date=ship_date, min_shelf_life_days=min_shelf_life_days)
    ]
    for c in fefo_order(usable):
        if quantity <= 0:
            break
        take = min(c.available, quantity)
        taken.append((c.stock_id, take))
        quantity -= take
    return taken


def usable_quantity(candidates: Iterable[Candidate], *, today: date, ship_date: date, min_shelf_life_days: int) -> int:
    return sum(
        c.available
        for c in candidates
        if c.available > 0
        and is_usable(c.expiry_date, today=today, ship_date=ship_date, min_shelf_life_days=min_shelf_life_days)
    )
