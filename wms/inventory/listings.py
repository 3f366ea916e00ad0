"""Read queries of the inventory's master data: warehouses, their locations, items and lots (a page each)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, func, literal, select

from wms.batches.lots import lots_of_item
from wms.db import UnitOfWork
from wms.inventory import repository as repo
from wms.inventory.orm import Item, Location, Warehouse
from wms.inventory.warehouses import IN_LAYOUT, location_count


def warehouse_out(wh: Warehouse, count: int) -> dict[str, Any]:
    """A warehouse as the API shows it, with its number of layout locations."""
    return {"code": wh.code, "name": wh.name, "layout": wh.layout, "created_at": wh.created_at, "location_count": count}


def warehouses(uow: UnitOfWork, *, only: str | None, after_id: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
    """Warehouses after ``after_id``, oldest first, each with its location count (``only``: that code alone)."""

    def work(u: UnitOfWork) -> list[tuple[int, dict[str, Any]]]:
        stmt = (
            select(Warehouse)
            .where(Warehouse.id > literal(after_id, BigInteger()))
            .order_by(Warehouse.id)
            .limit(limit + 1)
        )
        if only is not None:
            stmt = stmt.where(Warehouse.code == only)
        found = u.session.scalars(stmt).all()
        counts = dict(
            u.session.execute(
                select(Location.warehouse_id, func.count())
                .where(Location.warehouse_id.in_([wh.id for wh in found]), IN_LAYOUT)
                .group_by(Location.warehouse_id)
            ).all()
        )
        return [(wh.id, warehouse_out(wh, counts.get(wh.id, 0))) for wh in found]

    return uow.run(work, read_only=True)


def warehouse(uow: UnitOfWork, code: str) -> dict[str, Any]:
    def work(u: UnitOfWork) -> dict[str, Any]:
        wh = repo.warehouse_by_code(u.session, code)
        return warehouse_out(wh, location_count(u, wh.id))

    return uow.run(work, read_only=True)


def locations(
    uow: UnitOfWork, code: str, *, kind: str | None, aisle: int | None, after_id: int, limit: int
) -> list[tuple[int, Location]]:
    """The warehouse's locations in creation order; carts (kind ``cart``, one per claimed pick list) only when
    asked for, as they are not in the layout."""

    def work(u: UnitOfWork) -> list[tuple[int, Location]]:
        wh = repo.warehouse_by_code(u.session, code)
        stmt = (
            select(Location)
            .where(Location.warehouse_id == wh.id, Location.id > literal(after_id, BigInteger()))
            .order_by(Location.id)
            .limit(limit + 1)
        )
        stmt = stmt.where(Location.kind == kind) if kind is not None else stmt.where(IN_LAYOUT)
        if aisle is not None:
            stmt = stmt.where(Location.aisle == aisle)
        return [(loc.id, loc) for loc in u.session.scalars(stmt).all()]

    return uow.run(work, read_only=True)


def items(uow: UnitOfWork, *, after_id: int, limit: int) -> list[tuple[int, Item]]:
    def work(u: UnitOfWork) -> list[tuple[int, Item]]:
        stmt = select(Item).where(Item.id > literal(after_id, BigInteger())).order_by(Item.id).limit(limit + 1)
        return [(i.id, i) for i in u.session.scalars(stmt).all()]

    return uow.run(work, read_only=True)


def item(uow: UnitOfWork, sku: str) -> Item:
    return uow.run(lambda u: repo.item_by_sku(u.session, sku), read_only=True)


def lots(uow: UnitOfWork, sku: str, *, after_id: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
    """Every lot of the item ever received, oldest first."""

    def work(u: UnitOfWork) -> list[tuple[int, dict[str, Any]]]:
        found = repo.item_by_sku(u.session, sku)
        return [
            (lot_id, {"sku": sku, "lot": code, "expiry_date": expiry})
            for lot_id, code, expiry in lots_of_item(u.session, found.id, after_id=after_id, limit=limit + 1)
        ]

    return uow.run(work, read_only=True)
