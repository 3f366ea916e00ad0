"""Stock rows: the one way to lock them, and their reserved counter.

Every use case that changes stock (on hand or reserved) locks the rows it will
touch with ``lock_stock``: in primary-key order, in one statement, before it
changes any. The ledger (``post_operation``), ``reserve`` and ``unreserve`` call it
for the rows they change, so no stock row is ever changed unlocked; a row this
transaction already holds is not locked again. A use case that touches stock in
several steps (a short pick: the stop's row, the cart, then candidates elsewhere;
a carrier change: what the order holds, then new candidates) locks the union
first, so the later steps find every row held.

Locks are only ever taken in rising id order within a transaction, and across
contexts the order is orders → pick lists → shipments → stock: two transactions
can then never wait for each other in a cycle. ``held(session)`` remembers what
the transaction holds; a later lock that would go back below the highest id
held breaks the order. That is logged, or raised where ``CHECK_ORDER`` is set
(the test suite sets it, so every use case the tests run is checked).

Stock that became available after a use case took its locks (a receipt committed meanwhile) is not
offered to it where taking it would lock a row below one it holds: the use case goes on with what it
locked, as if it had come a moment earlier.

A row that does not exist yet (the first units of a lot at a location) is
created empty by ``lock_stock`` (``places``) and locked with the rest; new rows
take ids above every existing one, so they keep the order. The one wait this
leaves outside it: two requests creating the same row at once, the second
waiting for the first's insert (a use case's first lock creates its rows, and the
places created later, a cart or a packing station, are mostly one picker's own).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, select, tuple_
from sqlalchemy.orm import Session

from wms.batches.lots import expiry_date_column, expiry_dates
from wms.bulk import add_to
from wms.db import IN_CHUNK, core, dialect_insert
from wms.errors import Conflict
from wms.inventory.orm import COUNT_ACTIVE, CycleCount, Item, Location, Stock
from wms.inventory.repository import shelf_lives

STOCK = Stock.__table__
ROW = (Stock.id, Stock.warehouse_id, Stock.location_id, Stock.item_id, Stock.lot_id, Stock.on_hand, Stock.reserved)
CHECK_ORDER = False  # raise StockLockOrderError instead of logging (the test suite sets it)
log = logging.getLogger(__name__)


class StockLockOrderError(RuntimeError):
    """A stock row locked below one already held: the use case must lock the union first."""


@dataclass(frozen=True, order=True)
class Place:
    """Where a stock row is (or will be): a lot at a location."""

    location_id: int
    lot_id: int
    item_id: int
    warehouse_id: int


@dataclass(frozen=True)
class Available:
    """The stock an allocation may take: rows of ``item_ids`` with units not reserved in storage locations
    (optionally of one warehouse, but for one location), except where a short pick's count is open."""

    item_ids: tuple[int, ...]
    warehouse_id: int | None = None
    exclude_location_id: int | None = None


@dataclass(frozen=True)
class Row:
    id: int
    warehouse_id: int
    location_id: int
    item_id: int
    lot_id: int
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass
class _Held:
    transaction: object
    ids: set[int] = field(default_factory=set)
    places: dict[tuple[int, int], int] = field(default_factory=dict)  # (location, lot) → id
    top: int = 0


def held(session: Session) -> _Held:
    """What this session's current transaction has locked."""
    if session.get_transaction() is None:
        session.connection()  # begin now: the transaction is what the record is kept for
    txn = session.get_transaction()
    h = session.info.get("stock_held")
    if h is None or h.transaction is not txn:
        h = session.info["stock_held"] = _Held(txn)
    return h


def lock_stock(
    session: Session, *, ids: Iterable[int] = (), places: Iterable[Place] = (), available: Available | None = None
) -> list[Row]:
    """Lock the stock rows ``ids``, the rows at ``places`` (created empty where missing) and, with
    ``available``, the stock an allocation may take, in id order in one statement. Returns the rows
    in id order, read after locking; ``available`` rows with nothing left
    once locked are left out of the answer."""
    h = held(session)
    wanted = set(ids)
    place_list = sorted(set(places))
    if available is not None and not wanted and not place_list and not h.ids:
        return _lock_available_first(session, h, available)  # nothing held yet: one statement
    if place_list:
        wanted |= _place_ids(session, h, place_list)
    candidates: set[int] = set()
    if available is not None:
        candidates = set(session.scalars(_available(available, Stock.id)))
        if h.ids:  # stock freed since the use case locked its rows, below them: not offered, not locked
            candidates = {c for c in candidates if c in h.ids or c > h.top}
        wanted |= candidates
    if not wanted:
        return []
    new = wanted - h.ids
    if new and h.ids and min(new) < h.top:
        _out_of_order(sorted(new), h.top)
    rows = [Row(*r) for r in core(session).execute(_LOCK_BY_ID, {"ids": sorted(wanted)})]
    _hold(h, wanted, rows)
    if available is not None:
        rows = [r for r in rows if r.id not in candidates or r.available > 0]
    return rows


_LOCK_BY_ID = (  # built once: every pick, pack and move locks its rows by id
    select(*ROW).where(Stock.id.in_(bindparam("ids", expanding=True))).order_by(Stock.id).with_for_update(of=Stock)
)


def _lock_available_first(session: Session, h: _Held, available: Available) -> list[Row]:
    """``lock_stock(available=…)`` as a transaction's first stock lock: the rows chosen, locked and read in
    one statement (PostgreSQL checks the choice again on each row it had to wait for)."""
    rows = [Row(*r) for r in session.execute(_available(available, *ROW).order_by(Stock.id).with_for_update(of=Stock))]
    _hold(h, {r.id for r in rows}, rows)
    return [r for r in rows if r.available > 0]


def _hold(h: _Held, ids: set[int], rows: list[Row]) -> None:
    """Record ``ids`` as locked by this transaction, and where the ``rows`` read under the lock are."""
    h.ids |= ids
    h.top = max(h.top, max(ids, default=0))
    for r in rows:
        h.places[(r.location_id, r.lot_id)] = r.id


def lock_unload(session: Session, warehouse_id: int, from_location_id: int, to_location_id: int) -> None:
    """Lock every row with units at ``from_location_id`` and where they would land at ``to_location_id``
    (a cart unloaded at a packing station: the cart is its picker's, held by the pick list's lock)."""
    here = session.execute(
        select(Stock.id, Stock.lot_id, Stock.item_id).where(Stock.location_id == from_location_id, Stock.on_hand > 0)
    )
    rows = list(here)
    lock_stock(
        session,
        ids=[r.id for r in rows],
        places=[Place(to_location_id, r.lot_id, r.item_id, warehouse_id) for r in rows],
    )


def lock_available(session: Session, available: Available) -> list[Row]:
    """The stock an allocation may take, locked (``lock_stock``), with units still free once locked."""
    return lock_stock(session, available=available)


@dataclass(frozen=True)
class Dated:
    """``lock_available``'s rows with what FEFO needs besides: each row's lot's expiry date and each item's
    shelf life (days it must have left when it ships)."""

    rows: list[Row]
    expiry: dict[int, date | None]  # lot id → expiry date (None: the lot does not expire)
    shelf_life_days: dict[int, int]  # item id → days


_EXPIRY = expiry_date_column(Stock.lot_id)
_SHELF_LIFE = select(Item.min_shelf_life_days).where(Item.id == Stock.item_id).scalar_subquery()


def lock_available_dated(session: Session, item_ids: Sequence[int]) -> Dated:
    """``lock_available(Available(item_ids))``, with the expiry dates of the rows' lots and the shelf lives of
    their items: read by the locking statement itself when it is the transaction's first stock lock, else in
    two reads after it."""
    h = held(session)
    if h.ids:
        rows = lock_stock(session, available=Available(tuple(item_ids)))
        items = sorted({r.item_id for r in rows})
        return Dated(rows, expiry_dates(session, (r.lot_id for r in rows)), shelf_lives(session, items))
    read = core(session).execute(_DATED, {"items": list(item_ids)})
    rows, expiry, shelf = [], {}, {}
    for *values, expires, days in read:
        row = Row(*values)
        rows.append(row)
        expiry[row.lot_id] = expires
        shelf[row.item_id] = days
    _hold(h, {r.id for r in rows}, rows)
    return Dated([r for r in rows if r.available > 0], expiry, shelf)


def reserve(session: Session, amounts: Iterable[tuple[int, int]]) -> None:
    """Raise ``reserved`` by each (stock_id, quantity); never above on hand."""
    _change_reserved(session, sorted(amounts), +1, "stock changed while it was being reserved")


def unreserve(session: Session, amounts: Iterable[tuple[int, int]]) -> None:
    """Lower ``reserved`` by each (stock_id, quantity); never below zero."""
    _change_reserved(session, sorted(amounts), -1, "reserved stock is missing")


def _change_reserved(session: Session, amounts: list[tuple[int, int]], sign: int, failure: str) -> None:
    """One statement for all rows, each guarded (never above on hand, never below zero); the rows are
    locked first (a no-op for those held already). A guard that fails is a 409 (the caller rolls back)."""
    if not amounts:
        return
    if not {sid for sid, _ in amounts} <= held(session).ids:
        lock_stock(session, ids=(sid for sid, _ in amounts))
    guard = "reserved + {amount} <= on_hand" if sign > 0 else "reserved + {amount} >= 0"
    if add_to(session, STOCK, "reserved", [(sid, sign * q) for sid, q in amounts], guard=guard) != len(amounts):
        raise Conflict(failure, code="reservation_conflict")


def stock_id(session: Session, location_id: int, lot_id: int) -> int | None:
    """The id of the stock row of a lot at a location, if there is one."""
    return session.scalar(select(Stock.id).where(Stock.location_id == location_id, Stock.lot_id == lot_id))


def held_id(session: Session, place: Place) -> int:
    """The id of the row at ``place``, which this transaction has locked (``lock_stock``)."""
    return held(session).places[(place.location_id, place.lot_id)]


def placements(session: Session, stock_ids: Iterable[int]) -> dict[int, Place]:
    """Where each row is. Read without a lock: a row never changes its location, lot or item."""
    ids = sorted(set(stock_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Stock.id, Stock.location_id, Stock.lot_id, Stock.item_id, Stock.warehouse_id).where(Stock.id.in_(ids))
    )
    return {r.id: Place(r.location_id, r.lot_id, r.item_id, r.warehouse_id) for r in rows}


def _place_ids(session: Session, h: _Held, places: list[Place]) -> set[int]:
    missing = [p for p in places if (p.location_id, p.lot_id) not in h.places]
    found = dict(_lookup(session, missing)) if missing else {}
    create = [p for p in missing if (p.location_id, p.lot_id) not in found]
    if create:
        stmt = dialect_insert(session, STOCK).values(
            [
                {
                    "warehouse_id": p.warehouse_id,
                    "location_id": p.location_id,
                    "item_id": p.item_id,
                    "lot_id": p.lot_id,
                    "on_hand": 0,
                    "reserved": 0,
                }
                for p in create
            ]
        )
        session.execute(stmt.on_conflict_do_nothing(index_elements=[STOCK.c.location_id, STOCK.c.lot_id]))
        found.update(_lookup(session, create))
    return {h.places.get((p.location_id, p.lot_id)) or found[(p.location_id, p.lot_id)] for p in places}


_BY_PLACE = select(STOCK.c.location_id, STOCK.c.lot_id, STOCK.c.id).where(
    tuple_(STOCK.c.location_id, STOCK.c.lot_id).in_(bindparam("places", expanding=True))
)  # built once: only the places change


def _lookup(session: Session, places: list[Place]) -> list[tuple[tuple[int, int], int]]:
    keys = [(p.location_id, p.lot_id) for p in places]
    rows = core(session).execute(_BY_PLACE, {"places": keys})
    return [((loc, lot), sid) for loc, lot, sid in rows]


def _available(a: Available, *columns: Any, items: Any = None) -> Select[Any]:
    """``columns`` of the rows ``a`` describes (of the items ``items`` instead, a bind parameter, if given)."""
    held_back = select(CycleCount.location_id).where(
        CycleCount.reason == "short_pick", CycleCount.status.in_(COUNT_ACTIVE)
    )
    stmt = (
        select(*columns)
        .select_from(Stock)
        .join(Location, Location.id == Stock.location_id)
        .where(
            Stock.item_id.in_(a.item_ids if items is None else items),
            Stock.on_hand > Stock.reserved,
            Location.kind == "storage",
            Stock.location_id.not_in(held_back),
        )
    )
    if a.warehouse_id is not None:
        stmt = stmt.where(Stock.warehouse_id == a.warehouse_id)
    if a.exclude_location_id is not None:
        stmt = stmt.where(Stock.location_id != a.exclude_location_id)
    return stmt


_DATED = (  # built once: every allocation runs it
    _available(Available(()), *ROW, _EXPIRY, _SHELF_LIFE, items=bindparam("items", expanding=True))
    .order_by(Stock.id)
    .with_for_update(of=Stock)
)


def _out_of_order(new: list[int], top: int) -> None:
    message = f"stock rows {new[:5]} locked after row {top}: lock every row the use case touches first (lock_stock)"
    if CHECK_ORDER:
        raise StockLockOrderError(message)
    log.warning(message)


def about_to_lock(session: Session, ids: Iterable[int]) -> None:
    """The check ``lock_stock`` makes, for a statement that locks the existing rows ``ids`` in id order
    itself (and after them only rows it creates, which take higher ids): ``ledger.move_reserved``."""
    h = held(session)
    new = set(ids) - h.ids
    if new and h.ids and min(new) < h.top:
        _out_of_order(sorted(new), h.top)


def now_held(session: Session, rows: Iterable[tuple[int, int, int]]) -> None:
    """Record the rows (id, location, lot) such a statement locked (``about_to_lock``)."""
    h = held(session)
    for row_id, location_id, lot_id in rows:
        h.ids.add(row_id)
        h.top = max(h.top, row_id)
        h.places[(location_id, lot_id)] = row_id


@dataclass(frozen=True)
class Position:
    """Where a stock row's units are on the floor, and how much room one takes."""

    location_id: int
    item_id: int
    lot_id: int
    aisle: int | None
    y_m: float
    unit_volume_l: float | None


def positions(session: Session, stock_ids: Iterable[int] | Select[int]) -> dict[int, Position]:
    """Stock id → its position, for ``stock_ids`` (ids, or a query of them). Read without a lock."""
    if isinstance(stock_ids, Select):
        return _positions(session, stock_ids)
    ids = sorted(set(stock_ids))
    return {k: v for i in range(0, len(ids), IN_CHUNK) for k, v in _positions(session, ids[i : i + IN_CHUNK]).items()}


def _positions(session: Session, ids: list[int] | Select[int]) -> dict[int, Position]:
    rows = session.execute(
        select(
            Stock.id, Stock.location_id, Stock.item_id, Stock.lot_id, Location.aisle, Location.y_m, Item.unit_volume_l
        )
        .join(Location, Location.id == Stock.location_id)
        .join(Item, Item.id == Stock.item_id)
        .where(Stock.id.in_(ids))
    )
    return {r.id: Position(*r[1:]) for r in rows}


def free_at(session: Session, location_id: int, lot_id: int) -> int:
    """Units of the lot at the location that no one has reserved (0 where there is no row)."""
    return (
        session.scalar(
            select(Stock.on_hand - Stock.reserved).where(Stock.location_id == location_id, Stock.lot_id == lot_id)
        )
        or 0
    )


def ids_at(location_id: int | None) -> Select[int]:
    """The ids of the stock rows at a location (a query, for use in another)."""
    return select(Stock.id).where(Stock.location_id == location_id)


def on_hand_at(session: Session, location_id: int | None) -> list[tuple[int, int, int]]:
    """(item id, lot id, on hand) of each row with units at the location."""
    rows = session.execute(
        select(Stock.item_id, Stock.lot_id, Stock.on_hand).where(Stock.location_id == location_id, Stock.on_hand > 0)
    )
    return [(r.item_id, r.lot_id, r.on_hand) for r in rows]


def location_kinds_by(session: Session, keyed: Select[Any, int]) -> dict[Any, set[str]]:
    """The kinds of location (storage, cart, packing…) stock rows are at, by group: ``keyed`` is a query of
    (key, stock id); a key without rows is absent."""
    rows = keyed.subquery()
    key, stock_id = rows.c[0], rows.c[1]
    kinds: dict[Any, set[str]] = {}
    for k, kind in session.execute(
        select(key, Location.kind).join(Stock, Stock.id == stock_id).join(Location, Location.id == Stock.location_id)
    ):
        kinds.setdefault(k, set()).add(kind)
    return kinds
