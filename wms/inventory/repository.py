"""All look-ups of the inventory context (SQLAlchemy 2 ``select``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ScalarSelect, Select, SQLColumnExpression, bindparam, func, or_, select
from sqlalchemy.orm import Session

from wms.db import core
from wms.errors import NotFound
from wms.inventory.layout import Layout
from wms.inventory.orm import Item, Location, Stock, StockMovement, Warehouse


@dataclass(frozen=True)
class StockKey:
    """What a stock row holds: units of one item (id and SKU) in one lot."""

    item_id: int
    sku: str
    lot_id: int


def warehouse_by_code(session: Session, code: str) -> Warehouse:
    wh = session.scalars(select(Warehouse).where(Warehouse.code == code)).first()
    if wh is None:
        raise NotFound(f"warehouse {code} not found", code="warehouse_not_found")
    return wh


def warehouse_by_id(session: Session, warehouse_id: int) -> Warehouse:
    """The warehouse of a known id (from the session when loaded already)."""
    return session.get_one(Warehouse, warehouse_id)


def warehouse_code_of(session: Session, model: Any, row_id: int, not_found: NotFound) -> str:
    """The code of the warehouse a row of ``model`` (a table with ``warehouse_id``) is in; ``not_found``
    when there is no such row."""
    code = core(session).scalar(_warehouse_code_query(model), {"row_id": row_id})
    if code is None:
        raise not_found
    return code


@lru_cache(maxsize=32)
def _warehouse_code_query(model: Any) -> Select[str]:
    """Built once per model: a warehouse-limited token's request about a resource asks it (``wms.api.scope``)."""
    return select(Warehouse.code).join(model, model.warehouse_id == Warehouse.id).where(model.id == bindparam("row_id"))


def location_by_code(session: Session, warehouse: Warehouse, code: str) -> Location:
    loc = session.scalars(select(Location).where(Location.warehouse_id == warehouse.id, Location.code == code)).first()
    if loc is None:
        raise NotFound(f"location {code} not found in warehouse {warehouse.code}", code="location_not_found")
    return loc


def item_by_sku(session: Session, sku: str) -> Item:
    item = session.scalars(select(Item).where(Item.sku == sku)).first()
    if item is None:
        raise NotFound(f"item {sku} not found", code="item_not_found")
    return item


def items_by_sku(session: Session, skus: Sequence[str]) -> dict[str, Item]:
    """Items of all ``skus``; any unknown SKU is a NotFound naming them all."""
    wanted = set(skus)
    found = {i.sku: i for i in session.scalars(select(Item).where(Item.sku.in_(wanted)))}
    missing = sorted(wanted - found.keys())
    if missing:
        raise NotFound(f"unknown SKU(s): {', '.join(missing)}", code="item_not_found", details={"skus": missing})
    return found


def item_ids_by_sku(session: Session, skus: Iterable[str]) -> dict[str, int]:
    """SKU → item id of the known ones of ``skus``."""
    return {sku: id_ for sku, id_ in core(session).execute(_IDS_BY_SKU, {"skus": sorted(set(skus))})}


_IDS_BY_SKU = select(Item.sku, Item.id).where(Item.sku.in_(bindparam("skus", expanding=True)))  # built once


def item_ids(session: Session, skus: Iterable[str]) -> list[int]:
    """Ids of the items with these SKUs; unknown SKUs are left out."""
    return list(session.scalars(select(Item.id).where(Item.sku.in_(sorted(set(skus))))))


def locations_by_code(session: Session, warehouse: Warehouse, codes: Sequence[str]) -> dict[str, Location]:
    wanted = set(codes)
    found = {
        loc.code: loc
        for loc in session.scalars(
            select(Location).where(Location.warehouse_id == warehouse.id, Location.code.in_(wanted))
        )
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise NotFound(
            f"unknown location(s) in {warehouse.code}: {', '.join(missing)}",
            code="location_not_found",
            details={"locations": missing},
        )
    return found


def special_location_id(session: Session, warehouse_id: int, kind: str) -> int:
    """The warehouse's RECEIVING, PACKING, SHIPPING or QUARANTINE location (by kind), made with the warehouse."""
    return special_location(session, warehouse_id, kind)[0]


def special_location(session: Session, warehouse_id: int, kind: str) -> tuple[int, str]:
    """``special_location_id`` with the location's code."""
    found = core(session).execute(_SPECIAL, {"warehouse_id": warehouse_id, "kind": kind}).one()
    return found.id, found.code


_SPECIAL = (  # built once: every pack asks for the dock
    select(Location.id, Location.code)
    .where(Location.warehouse_id == bindparam("warehouse_id"), Location.kind == bindparam("kind"))
    .order_by(Location.id)
)


def location_code(session: Session, location_id: int) -> str:
    return session.scalar(select(Location.code).where(Location.id == location_id)) or ""


def warehouse_layout(session: Session, warehouse_id: int) -> Layout:
    """The layout the warehouse was created with."""
    return Layout(**warehouse_by_id(session, warehouse_id).layout)


def location_id_by_code(session: Session, warehouse_id: int, code: str) -> int | None:
    """The id of the warehouse's location ``code``, if there is one."""
    return session.scalar(select(Location.id).where(Location.warehouse_id == warehouse_id, Location.code == code))


def location_codes(session: Session, location_ids: Iterable[int]) -> dict[int, str]:
    """Location id → code."""
    ids = sorted(set(location_ids))
    return {r.id: r.code for r in session.execute(select(Location.id, Location.code).where(Location.id.in_(ids)))}


def item_id_by_scan(session: Session, scanned: str) -> int | None:
    """The id of the item with this SKU or barcode (the first by id), if there is one."""
    return session.scalar(select(Item.id).where(or_(Item.sku == scanned, Item.barcode == scanned)).order_by(Item.id))


def sku_of(session: Session, item_id: int) -> str:
    """The item's SKU ("" for no such item)."""
    return session.scalar(select(Item.sku).where(Item.id == item_id)) or ""


def skus(session: Session, item_ids: Iterable[int]) -> dict[int, str]:
    """Item id → SKU."""
    ids = sorted(set(item_ids))
    return {r.id: r.sku for r in session.execute(select(Item.id, Item.sku).where(Item.id.in_(ids)))}


def min_shelf_life_days(session: Session, item_id: int) -> int:
    """Days of shelf life the item must have left when it ships."""
    return session.get_one(Item, item_id).min_shelf_life_days


def shelf_lives(session: Session, item_ids: Sequence[int]) -> dict[int, int]:
    """item id → days of shelf life it must have left when it ships."""
    rows = session.execute(select(Item.id, Item.min_shelf_life_days).where(Item.id.in_(item_ids)))
    return {r.id: r.min_shelf_life_days for r in rows}


def warehouse_code_column(warehouse_id: SQLColumnExpression[int | None]) -> ScalarSelect[str]:
    """The code of the warehouse ``warehouse_id`` (a column of another table) names, as a subquery for
    another context's select: NULL where it names none."""
    return select(Warehouse.code).where(Warehouse.id == warehouse_id).scalar_subquery()


def location_code_column(location_id: SQLColumnExpression[int | None]) -> ScalarSelect[str]:
    """The code of the location ``location_id`` (a column of another table) names, as a subquery."""
    return select(Location.code).where(Location.id == location_id).scalar_subquery()


def location_id_column(
    warehouse_id: SQLColumnExpression[int], code: str | SQLColumnExpression[str]
) -> ScalarSelect[int]:
    """The id of the warehouse's location ``code`` (``location_id_by_code``), as a subquery: NULL for none."""
    return select(Location.id).where(Location.warehouse_id == warehouse_id, Location.code == code).scalar_subquery()


def sku_column(item_id: SQLColumnExpression[int]) -> ScalarSelect[str]:
    """The SKU of the item ``item_id`` (a column of another table) names, as a subquery."""
    return select(Item.sku).where(Item.id == item_id).scalar_subquery()


def item_id_by_scan_column(scanned: str | SQLColumnExpression[str]) -> ScalarSelect[int]:
    """``item_id_by_scan`` as a subquery: NULL for no such item."""
    return (
        select(Item.id).where(or_(Item.sku == scanned, Item.barcode == scanned)).order_by(Item.id).limit(1)
    ).scalar_subquery()


def stock_id_column(
    location_id: SQLColumnExpression[int | None], lot_id: SQLColumnExpression[int]
) -> ScalarSelect[int]:
    """The id of the stock row of a lot at a location (``stock.stock_id``), as a subquery: NULL for none."""
    return select(Stock.id).where(Stock.location_id == location_id, Stock.lot_id == lot_id).scalar_subquery()


def with_stock_place(stmt: Select[*tuple[Any, ...]], stock_id: SQLColumnExpression[int]) -> Select[*tuple[Any, ...]]:
    """``stmt`` joined to the stock row ``stock_id`` (a column of another table) names, with where its units
    are: ``warehouse_id``, ``location_id`` and ``location`` (its code), ``item_id`` and ``sku``, ``lot_id``."""
    return (
        stmt.join(Stock, Stock.id == stock_id)
        .join(Item, Item.id == Stock.item_id)
        .join(Location, Location.id == Stock.location_id)
        .add_columns(
            Stock.warehouse_id,
            Stock.location_id,
            Location.code.label("location"),
            Stock.item_id,
            Item.sku,
            Stock.lot_id,
        )
    )


def stock_keys(session: Session, stock_ids: Iterable[int]) -> dict[int, StockKey]:
    """Stock row id → the item and lot it holds."""
    return {
        r.id: StockKey(r.item_id, r.sku, r.lot_id)
        for r in session.execute(
            select(Stock.id, Stock.item_id, Item.sku, Stock.lot_id)
            .join(Item, Item.id == Stock.item_id)
            .where(Stock.id.in_(sorted(set(stock_ids))))
        )
    }


def stock_and_ledger_totals(session: Session, warehouse_id: int) -> tuple[int, int, int]:
    """The warehouse's units on hand, the sum of its ledger's deltas and its ledger rows (the first two agree)."""
    on_hand = session.scalar(
        select(func.coalesce(func.sum(Stock.on_hand), 0)).where(Stock.warehouse_id == warehouse_id)
    )
    ledger = session.scalar(
        select(func.coalesce(func.sum(StockMovement.delta), 0)).where(StockMovement.warehouse_id == warehouse_id)
    )
    rows = session.scalar(select(func.count()).where(StockMovement.warehouse_id == warehouse_id))
    assert on_hand is not None and ledger is not None and rows is not None
    return on_hand, ledger, rows


def location_points(session: Session, location_ids: Iterable[int]) -> dict[int, tuple[int | None, float]]:
    """(aisle, y_m) of each location: where it is walked to (the aisle is None off the aisles)."""
    rows = session.execute(select(Location.id, Location.aisle, Location.y_m).where(Location.id.in_(list(location_ids))))
    return {r.id: (r.aisle, r.y_m) for r in rows}
