"""Returns after shipping: each returned unit is inspected at the dock and restocked, quarantined or written off.

Only what was shipped to the order can come back (per SKU and lot, less what
came back before). Restocked units go on hand at a storage location in their
own lot (same expiry); quarantined ones at QUARANTINE; written-off ones are
booked in at RECEIVING and out again with the reason, so the ledger shows
them. The order moves to ``refunding`` on its first return and to
``refunded`` once everything shipped has come back.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Literal

from pydantic import Field, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.allocation.queries import shipped_stock
from wms.batches.lots import get_lot
from wms.commands import Command, Quantity
from wms.db import UnitOfWork
from wms.errors import Conflict, InvalidInput, NotFound
from wms.events.outbox import record
from wms.fields import MAX_ID, LocationCode, LotCode, Name, Reference, Sku, WarehouseCode, cross_field_error, integer
from wms.inventory import repository as repo
from wms.inventory.ledger import StockChange, post_operation
from wms.orders import workflow as wf
from wms.orders.services import get_order
from wms.shipping.returns_orm import Return, ReturnLine

RETURNABLE = ("shipped", "completed", "refunding")


class ReturnedItem(Command):
    sku: Sku
    lot: LotCode
    quantity: Quantity
    disposition: Literal["restock", "quarantine", "write_off"]
    location: LocationCode | None = Field(None, description="Storage location to restock to.")
    reason: Name | None = None

    @model_validator(mode="after")
    def _needs(self) -> ReturnedItem:
        if (self.disposition == "restock") != (self.location is not None):
            raise cross_field_error(
                "return_disposition", "a restocked item needs a location, and only a restocked item has one"
            )
        if self.disposition == "write_off" and self.reason is None:
            raise cross_field_error("return_disposition", "a write-off needs a reason")
        return self


class ReceiveReturn(Command):
    warehouse: WarehouseCode
    order_id: Annotated[int, integer(ge=1, le=MAX_ID)]
    reference: Reference
    lines: Annotated[list[ReturnedItem], Field(min_length=1, max_length=500)]


def receive_return(cmd: ReceiveReturn, uow: UnitOfWork, actor: str) -> int:
    def work(uow: UnitOfWork) -> int:
        s = uow.session
        wh = repo.warehouse_by_code(s, cmd.warehouse)
        order = get_order(s, cmd.order_id, lock=True)
        if order.status not in RETURNABLE:
            raise Conflict(
                f"order {order.id} is {order.status}; only a shipped order can be returned", code="order_not_shipped"
            )
        open_ = _returnable(s, order.id, wh.id)
        changes, rows = _book(s, wh.id, cmd, open_)
        op = post_operation(s, warehouse_id=wh.id, kind="return", reference=cmd.reference, actor=actor, changes=changes)
        ret = Return(
            warehouse_id=wh.id, order_id=order.id, reference=op.reference, operation_id=op.id, received_by=actor
        )
        s.add(ret)
        s.flush()
        for row in rows:
            row.return_id = ret.id
        s.add_all(rows)
        if order.status in ("shipped", "completed"):
            wf.transition(s, order, "refunding", f"return {ret.id} received", actor)
        if all(v == 0 for v in _returnable(s, order.id).values()):
            wf.transition(s, order, "refunded", "everything shipped has come back", actor)
        record(
            s,
            "order.return_received",
            {
                "order_id": order.id,
                "external_id": order.external_id,
                "channel": order.channel,
                "return_id": ret.id,
                "lines": [ln.model_dump() for ln in cmd.lines],
            },
        )
        s.flush()
        return ret.id

    return uow.run(work)


def _book(
    s: Session, warehouse_id: int, cmd: ReceiveReturn, open_: dict[tuple[int, int], int]
) -> tuple[list[StockChange], list[ReturnLine]]:
    wh = repo.warehouse_by_id(s, warehouse_id)
    items = repo.items_by_sku(s, [ln.sku for ln in cmd.lines])
    changes: list[StockChange] = []
    rows: list[ReturnLine] = []
    for ln in cmd.lines:
        item = items[ln.sku]
        lot = get_lot(s, item.id, item.sku, ln.lot)
        if open_.get((item.id, lot.id), 0) < ln.quantity:
            raise Conflict(
                f"only {open_.get((item.id, lot.id), 0)} of {ln.sku} lot {ln.lot} were shipped to this "
                f"order from {wh.code} and not returned yet",
                code="return_exceeds_shipped",
                details={"sku": ln.sku, "lot": ln.lot, "returnable": open_.get((item.id, lot.id), 0)},
            )
        open_[(item.id, lot.id)] -= ln.quantity
        if ln.disposition == "restock":
            loc = repo.location_by_code(s, wh, ln.location or "")
            if loc.kind != "storage":
                raise InvalidInput(f"{loc.code} is not a storage location", code="not_a_storage_location")
            changes.append(StockChange(loc.id, item.id, lot.id, ln.quantity, "return"))
            where = loc.id
        elif ln.disposition == "quarantine":
            where = repo.special_location_id(s, wh.id, "quarantine")
            changes.append(StockChange(where, item.id, lot.id, ln.quantity, "return"))
        else:
            where = repo.special_location_id(s, wh.id, "receiving")
            changes += [
                StockChange(where, item.id, lot.id, ln.quantity, "return"),
                StockChange(where, item.id, lot.id, -ln.quantity, "return_write_off"),
            ]
        rows.append(
            ReturnLine(
                item_id=item.id,
                lot_id=lot.id,
                quantity=ln.quantity,
                disposition=ln.disposition,
                location_id=where,
                reason=ln.reason,
            )
        )
    return changes, rows


def _returnable(s: Session, order_id: int, warehouse_id: int | None = None) -> dict[tuple[int, int], int]:
    """(item, lot) → units shipped to the order (from one warehouse, or any) and not returned yet."""
    returned_to = [Return.warehouse_id == warehouse_id] if warehouse_id is not None else []
    left: dict[tuple[int, int], int] = defaultdict(int)
    shipped = shipped_stock(s, order_id, warehouse_id)
    for stock_id, key in repo.stock_keys(s, shipped).items():
        left[(key.item_id, key.lot_id)] += shipped[stock_id]
    for item_id, lot_id, qty in s.execute(
        select(ReturnLine.item_id, ReturnLine.lot_id, func.sum(ReturnLine.quantity))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.order_id == order_id, *returned_to)
        .group_by(ReturnLine.item_id, ReturnLine.lot_id)
    ):
        left[(item_id, lot_id)] -= int(qty)
    return dict(left)


def return_warehouse(s: Session, return_id: int) -> str:
    return repo.warehouse_code_of(
        s, Return, return_id, NotFound(f"return {return_id} not found", code="return_not_found")
    )
