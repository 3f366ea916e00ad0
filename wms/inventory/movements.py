"""Use cases that change stock: receipts, moves between locations, adjustments."""

from __future__ import annotations

from wms.batches.lots import get_lot, receive_lot
from wms.db import UnitOfWork
from wms.inventory import repository as repo
from wms.inventory.commands import Adjust, Move, Receive
from wms.inventory.ledger import StockChange, post_operation
from wms.inventory.orm import StockOperation


def receive(cmd: Receive, uow: UnitOfWork, actor: str) -> StockOperation:
    """Put the received lines on hand at their locations (lot and expiry as given)."""

    def work(uow: UnitOfWork) -> StockOperation:
        s = uow.session
        wh = repo.warehouse_by_code(s, cmd.warehouse)
        items = repo.items_by_sku(s, [line.sku for line in cmd.lines])
        locations = repo.locations_by_code(s, wh, [line.location for line in cmd.lines])
        changes = []
        for line in cmd.lines:
            item = items[line.sku]
            lot = receive_lot(s, item.id, item.sku, line.lot, line.expiry_date)
            changes.append(StockChange(locations[line.location].id, item.id, lot.id, line.quantity, "receipt"))
        return post_operation(
            s, warehouse_id=wh.id, kind="receipt", reference=cmd.reference, actor=actor, changes=changes
        )

    return uow.run(work)


def move(cmd: Move, uow: UnitOfWork, actor: str) -> StockOperation:
    """Move available (unreserved) units of one lot from one location to another."""

    def work(uow: UnitOfWork) -> StockOperation:
        s = uow.session
        wh = repo.warehouse_by_code(s, cmd.warehouse)
        item = repo.item_by_sku(s, cmd.sku)
        lot = get_lot(s, item.id, item.sku, cmd.lot)
        locs = repo.locations_by_code(s, wh, [cmd.from_location, cmd.to_location])
        changes = [
            StockChange(locs[cmd.from_location].id, item.id, lot.id, -cmd.quantity, "move_out"),
            StockChange(locs[cmd.to_location].id, item.id, lot.id, cmd.quantity, "move_in"),
        ]
        return post_operation(s, warehouse_id=wh.id, kind="move", reference=cmd.reference, actor=actor, changes=changes)

    return uow.run(work)


def adjust(cmd: Adjust, uow: UnitOfWork, actor: str) -> StockOperation:
    """Change on hand of one lot at one location for a stated reason."""

    def work(uow: UnitOfWork) -> StockOperation:
        s = uow.session
        wh = repo.warehouse_by_code(s, cmd.warehouse)
        item = repo.item_by_sku(s, cmd.sku)
        lot = get_lot(s, item.id, item.sku, cmd.lot)
        loc = repo.location_by_code(s, wh, cmd.location)
        change = StockChange(loc.id, item.id, lot.id, cmd.delta, cmd.reason)
        return post_operation(
            s, warehouse_id=wh.id, kind="adjustment", reference=cmd.reference, actor=actor, changes=[change]
        )

    return uow.run(work)
