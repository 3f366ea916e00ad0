"""Reserving and releasing stock for shipment lines: counters changed in SQL, rows in id order."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session

from wms.errors import Conflict
from wms.inventory.orm import Stock

STOCK = Stock.__table__


def reserve(session: Session, amounts: Iterable[tuple[int, int]]) -> None:
    """Raise ``reserved`` by each (stock_id, quantity); never above on hand."""
    for stock_id, qty in sorted(amounts):
        done = session.execute(
            update(STOCK)
            .where(STOCK.c.id == stock_id, STOCK.c.reserved + qty <= STOCK.c.on_hand)
            .values(reserved=STOCK.c.reserved + qty)
            .returning(STOCK.c.id)
        ).first()
        if done is None:
            raise Conflict("stock changed while it was being reserved", code="reservation_conflict")


def unreserve(session: Session, amounts: Iterable[tuple[int, int]]) -> None:
    for stock_id, qty in sorted(amounts):
        done = session.execute(
            update(STOCK)
            .where(STOCK.c.id == stock_id, STOCK.c.reserved >= qty)
            .values(reserved=STOCK.c.reserved - qty)
            .returning(STOCK.c.id)
        ).first()
        if done is None:
            raise Conflict("reserved stock is missing", code="reservation_conflict")
