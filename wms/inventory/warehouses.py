"""Use cases: create a warehouse with all its locations, create items."""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from wms.db import UnitOfWork
from wms.errors import InvalidInput
from wms.inventory.commands import CreateItem, CreateWarehouse
from wms.inventory.layout import Layout, all_locations
from wms.inventory.orm import Item, Location, Warehouse

INSERT_CHUNK = 5000


def create_warehouse(cmd: CreateWarehouse, uow: UnitOfWork, max_locations: int) -> tuple[Warehouse, int]:
    layout = cmd.layout.to_layout()
    if layout.storage_location_count > max_locations:
        raise InvalidInput(
            f"layout has {layout.storage_location_count} locations, more than the {max_locations} allowed",
            code="layout_too_large",
        )

    def work(uow: UnitOfWork) -> tuple[Warehouse, int]:
        s = uow.session
        wh = Warehouse(code=cmd.code, name=cmd.name, layout=layout.as_dict())
        s.add(wh)
        s.flush()  # a code that exists is a 409 warehouse_exists (wms.uniques), also when created concurrently
        rows, count = [], 0
        for spec in all_locations(layout):
            rows.append({"warehouse_id": wh.id, **spec.__dict__})
            if len(rows) >= INSERT_CHUNK:
                s.execute(insert(Location), rows)
                count, rows = count + len(rows), []
        if rows:
            s.execute(insert(Location), rows)
            count += len(rows)
        return wh, count

    return uow.run(work)


# locations of the layout and the depot's special ones; pick lists' carts are not places in the layout
IN_LAYOUT = Location.kind != "cart"


def location_count(uow: UnitOfWork, warehouse_id: int) -> int:
    return uow.session.scalar(select(func.count()).where(Location.warehouse_id == warehouse_id, IN_LAYOUT)) or 0


def create_item(cmd: CreateItem, uow: UnitOfWork) -> Item:
    def work(uow: UnitOfWork) -> Item:
        s = uow.session
        item = Item(**cmd.model_dump())
        s.add(item)
        s.flush()  # a SKU or barcode that exists is a 409 item_exists / barcode_exists (wms.uniques)
        return item

    return uow.run(work)


def new_cart(session: Session, warehouse: Warehouse, code: str) -> int:
    """A new cart location ``code`` at the warehouse's depot; its id."""
    layout = Layout(**warehouse.layout)
    cart = Location(warehouse_id=warehouse.id, code=code, kind="cart", x_m=layout.depot_x_m, y_m=0.0)
    session.add(cart)
    session.flush()
    return cart.id
