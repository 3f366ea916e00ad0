"""Allocation rows as other contexts see them: by id, as plain values, changed only through these commands.

A stop of a pick list holds an allocation's id; picking splits it, points it at another lot's stock row,
moves its units or deletes it here. What a wave plans is read here too, as plain rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ScalarSelect, Select, SQLColumnExpression, bindparam, func, select, update
from sqlalchemy.orm import Session

from wms.allocation import shipments
from wms.allocation.orm import Allocation, Shipment, ShipmentLine
from wms.allocation.transfer import relocate, split_off
from wms.db import core


@dataclass(frozen=True)
class Reservation:
    """Units of one stock row reserved for one shipment line."""

    id: int
    shipment_line_id: int
    stock_id: int
    quantity: int


@dataclass(frozen=True)
class WaveLine:
    """One allocation of a shipment released into a wave."""

    shipment_id: int
    carrier: str
    allocation_id: int
    order_id: int
    stock_id: int
    quantity: int


def stock_of(session: Session, allocation_id: int) -> int:
    """The id of the stock row the allocation's units are in."""
    return session.get_one(Allocation, allocation_id).stock_id


def split(session: Session, allocation_id: int, quantity: int) -> Reservation:
    """An allocation of exactly ``quantity`` units: this one, or a part split from it (``split_off``)."""
    a = split_off(session, session.get_one(Allocation, allocation_id), quantity)
    return Reservation(a.id, a.shipment_line_id, a.stock_id, a.quantity)


def quantity_column(allocation_id: SQLColumnExpression[int | None]) -> ScalarSelect[int]:
    """The units of the allocation ``allocation_id`` (a column of another table) names, as a subquery."""
    return select(Allocation.quantity).where(Allocation.id == allocation_id).scalar_subquery()


def stock_id_column(allocation_id: SQLColumnExpression[int | None]) -> ScalarSelect[int]:
    """The stock row the allocation ``allocation_id`` names is in (``stock_of``), as a subquery."""
    return select(Allocation.stock_id).where(Allocation.id == allocation_id).scalar_subquery()


_ALLOCATIONS = Allocation.__table__
_REPOINT = update(_ALLOCATIONS).where(_ALLOCATIONS.c.id == bindparam("allocation")).values(stock_id=bindparam("row"))


def repoint(session: Session, allocation_id: int, stock_id: int) -> None:
    """``point_at`` in one statement, without loading the allocation (the caller moved its units and
    their reservation; an Allocation the session holds is not refreshed)."""
    core(session).execute(_REPOINT, {"allocation": allocation_id, "row": stock_id})


def repoint_many(session: Session, moved: Sequence[tuple[int, int]]) -> None:
    """``repoint`` for each (allocation id, stock id), in one statement (an executemany)."""
    if moved:
        session.connection().execute(_REPOINT, [{"allocation": a, "row": row} for a, row in moved])


def point_at(session: Session, allocation_id: int, stock_id: int) -> None:
    """The allocation's units are now in stock row ``stock_id`` (the caller moves the reservation)."""
    session.get_one(Allocation, allocation_id).stock_id = stock_id


def move(
    session: Session,
    allocation_id: int,
    quantity: int,
    *,
    warehouse_id: int,
    to_location_id: int,
    kind: str,
    reason: str,
    reference: str | None,
    actor: str,
) -> None:
    """The allocation keeps ``quantity`` units and they move to ``to_location_id`` (``relocate``)."""
    a = session.get_one(Allocation, allocation_id)
    a.quantity = quantity
    relocate(
        session,
        [a],
        warehouse_id=warehouse_id,
        to_location_id=to_location_id,
        kind=kind,
        reason=reason,
        reference=reference,
        actor=actor,
    )


def move_all(
    session: Session,
    stock_ids: Select[int],
    *,
    warehouse_id: int,
    to_location_id: int,
    kind: str,
    reason: str,
    reference: str | None,
    actor: str,
) -> None:
    """Every allocation in the stock rows ``stock_ids`` (a query of ids) moves to ``to_location_id``."""
    allocations = list(
        session.scalars(select(Allocation).where(Allocation.stock_id.in_(stock_ids)).order_by(Allocation.id))
    )
    relocate(
        session,
        allocations,
        warehouse_id=warehouse_id,
        to_location_id=to_location_id,
        kind=kind,
        reason=reason,
        reference=reference,
        actor=actor,
    )


def delete(session: Session, allocation_id: int) -> None:
    """The allocation is gone (its reservation was taken back by the caller)."""
    session.delete(session.get_one(Allocation, allocation_id))


def add(session: Session, shipment_line_id: int, stock_id: int, quantity: int) -> int:
    """A new allocation of ``quantity`` units of stock row ``stock_id`` (reserved by the caller); its id."""
    a = Allocation(shipment_line_id=shipment_line_id, stock_id=stock_id, quantity=quantity)
    session.add(a)
    session.flush()
    return a.id


def order_line_of(session: Session, shipment_line_id: int) -> int:
    """The id of the order line a shipment line ships."""
    return session.get_one(ShipmentLine, shipment_line_id).order_line_id


def take_off(session: Session, shipment_line_id: int, units: int, *, cause: str, actor: str) -> None:
    """``units`` fewer on the shipment line; a line left empty goes, and a shipment left empty is cancelled."""
    line = session.get_one(ShipmentLine, shipment_line_id)
    line.quantity -= units
    if line.quantity == 0:
        session.delete(line)
        session.flush()
        if session.scalar(select(func.count()).where(ShipmentLine.shipment_id == line.shipment_id)) == 0:
            shipments.transition(session, session.get_one(Shipment, line.shipment_id), "cancelled", cause, actor)


def stock_of_shipments(shipment_ids: Sequence[int]) -> Select[int, int]:
    """(shipment id, stock id) of the stock rows these shipments' allocations are in (a query, for another)."""
    return (
        select(ShipmentLine.shipment_id, Allocation.stock_id)
        .join(ShipmentLine, ShipmentLine.id == Allocation.shipment_line_id)
        .where(ShipmentLine.shipment_id.in_(sorted(shipment_ids)))
    )


def wave_lines(session: Session, wave_id: int) -> Sequence[WaveLine]:
    """The allocations of the wave's released shipments, by shipment, then allocation."""
    rows = session.execute(
        select(
            Shipment.id,
            Shipment.carrier,
            Allocation.id,
            ShipmentLine.order_id,
            Allocation.stock_id,
            Allocation.quantity,
        )
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .join(Allocation, Allocation.shipment_line_id == ShipmentLine.id)
        .where(Shipment.wave_id == wave_id, Shipment.status == "released")
        .order_by(Shipment.id, Allocation.id)
    )
    return [WaveLine(*r) for r in rows]
