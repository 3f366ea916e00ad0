"""Shipments and their allocations as other contexts see them: a shipment (locked to change it), its orders,
the stock its units sit in, what was shipped to an order, the shipments of a wave."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import BindParameter, Exists, Select, SQLColumnExpression, Subquery, bindparam, func, select
from sqlalchemy.orm import Session

from wms.allocation.orm import Allocation, Shipment, ShipmentLine
from wms.batches.lots import expiry_date_column, lot_code_column
from wms.inventory.repository import with_stock_place


def order_ids_in_shipment(shipment_id: int | BindParameter[int]) -> Select:
    """Subquery: the ids of the orders with lines in the shipment (for ``Order.id.in_(...)``)."""
    return select(ShipmentLine.order_id).where(ShipmentLine.shipment_id == shipment_id)


def shipped_stock(s: Session, order_id: int, warehouse_id: int | None = None) -> dict[int, int]:
    """Stock row id → units shipped to the order (by shipments from one warehouse, or any)."""
    from_warehouse = [Shipment.warehouse_id == warehouse_id] if warehouse_id is not None else []
    return {
        stock_id: int(qty)
        for stock_id, qty in s.execute(
            select(Allocation.stock_id, func.sum(Allocation.quantity))
            .join(ShipmentLine, ShipmentLine.id == Allocation.shipment_line_id)
            .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .where(ShipmentLine.order_id == order_id, Shipment.status == "shipped", *from_warehouse)
            .group_by(Allocation.stock_id)
        )
    }


def wave_shipments(s: Session, wave_id: int, status: str) -> list[int]:
    """Ids of the wave's shipments in ``status``, oldest first."""
    return list(
        s.scalars(
            select(Shipment.id).where(Shipment.wave_id == wave_id, Shipment.status == status).order_by(Shipment.id)
        )
    )


@dataclass(frozen=True)
class Unit:
    """An allocation of a shipment as packing and shipping need it: which line and order it serves, its
    units and the stock row they are in (where, which item and lot, with their codes)."""

    shipment_id: int
    shipment_line_id: int
    order_id: int
    allocation_id: int
    stock_id: int
    quantity: int
    warehouse_id: int
    location_id: int
    location: str
    item_id: int
    sku: str
    lot_id: int
    lot: str
    expiry_date: date | None


def shipment_units(s: Session, shipment_ids: Sequence[int]) -> list[Unit]:
    """The allocations of the shipments, by shipment, line and allocation (the order a shipment lists its
    items in), with their stock rows: one statement."""
    if not shipment_ids:
        return []
    return [Unit(**r._mapping) for r in s.execute(_UNITS, {"ids": sorted(set(shipment_ids))})]


def _units() -> Select[*tuple[Any, ...]]:
    stmt = with_stock_place(
        select(
            ShipmentLine.shipment_id,
            Allocation.shipment_line_id,
            ShipmentLine.order_id,
            Allocation.id.label("allocation_id"),
            Allocation.stock_id,
            Allocation.quantity,
        ).join(ShipmentLine, ShipmentLine.id == Allocation.shipment_line_id),
        Allocation.stock_id,
    )
    lot_id = stmt.selected_columns.lot_id
    return (
        stmt.add_columns(lot_code_column(lot_id).label("lot"), expiry_date_column(lot_id).label("expiry_date"))
        .where(ShipmentLine.shipment_id.in_(bindparam("ids", expanding=True)))
        .order_by(ShipmentLine.shipment_id, ShipmentLine.id, Allocation.id)
    )


_UNITS = _units()


def order_shipment_pairs(shipment_ids: Sequence[int]) -> Subquery:
    """Subquery: (order_id, shipment_id) once per order with lines in one of the shipments."""
    return (
        select(ShipmentLine.order_id, ShipmentLine.shipment_id)
        .where(ShipmentLine.shipment_id.in_(sorted(set(shipment_ids))))
        .distinct()
        .subquery()
    )


def unshipped_shipment_exists(order_id: SQLColumnExpression[int]) -> Exists:
    """Whether a shipment of the order ``order_id`` (a column of another table) has yet to leave
    (neither shipped nor cancelled), as a condition."""
    return (
        select(Shipment.id)
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(ShipmentLine.order_id == order_id, Shipment.status.not_in(("shipped", "cancelled")))
        .exists()
    )
