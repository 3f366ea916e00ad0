"""Shipping at the dock: packed shipments leave the warehouse, their orders move on, the ERP hears of it.

Each shipment's stock is taken off the SHIPPING location in the ledger
(``shipped``, one operation ``SHIPMENT-{id}`` each); its allocations stay as the
record of which lots went to whom. An order becomes ``shipped`` once all of it
has left: every live shipment of it shipped and nothing backordered.

One shipment or a truckload leave in the same statements, whatever their
number: their orders are locked, then the shipments (orders → shipments →
stock), in one statement each; one read gives their units and stock rows;
the stock rows are locked, changed and posted in four; the shipments, their
orders and their history rows are written set-based; one read gives the
parcels' tracking numbers. A shipment that may not leave (unknown, of
another warehouse, not packed) is refused on its own before anything is
written, and the others leave: each shipment all or nothing. Should the
truck fail while its shipments leave (a refusal found only then, e.g. a
reservation missing at the dock), it is rolled back to a savepoint and each
shipment leaves alone, in a savepoint of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, TypeVar

from pydantic import Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.allocation import shipments
from wms.allocation.queries import Unit, shipment_units
from wms.allocation.shipments import Head
from wms.allocation.transfer import take_out_units
from wms.commands import Command
from wms.db import UnitOfWork
from wms.errors import Conflict, DomainError, Forbidden, NotFound
from wms.events.outbox import record, savepoint
from wms.fields import Carrier, Id, WarehouseCode, cross_field_error
from wms.inventory.repository import warehouse_by_code
from wms.orders.dispatch import DockOrder, all_left, announce, lock_orders_of, ship_orders
from wms.shipping.answers import item_view, parcel_view, shipment_answer
from wms.shipping.orm import Parcel

T = TypeVar("T")
MAX_SHIPMENTS = 500  # shipments one call ships


class ShipMany(Command):
    """Packed shipments of one warehouse that leave together: the ``shipment_ids`` given, or every packed
    shipment of ``carrier`` waiting at the dock (the oldest first, at most ``MAX_SHIPMENTS``)."""

    warehouse: WarehouseCode
    shipment_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_SHIPMENTS)] | None = None
    carrier: Carrier | None = None

    @model_validator(mode="after")
    def _one_way(self) -> ShipMany:
        if (self.shipment_ids is None) == (self.carrier is None):
            raise cross_field_error("ship_ids_or_carrier", "give either shipment_ids or carrier, not both")
        return self


@dataclass(frozen=True)
class Departure:
    """What became of one shipment asked to leave: ``head`` as it now is and what it carried, or ``error``."""

    shipment_id: int
    head: Head | None = None
    orders: Sequence[DockOrder] = ()
    units: Sequence[Unit] = ()
    parcels: Sequence[dict[str, Any]] = ()
    error: DomainError | None = None

    @property
    def tracking_numbers(self) -> list[str]:
        return [p["tracking_number"] for p in self.parcels]


def ship(shipment_id: int, uow: UnitOfWork, actor: str) -> dict[str, Any]:
    """One packed shipment leaves; the answer is the shipment as ``GET /v1/shipments/{id}`` shows it."""

    def work(uow: UnitOfWork) -> dict[str, Any]:
        s = uow.session
        [d] = depart(s, [shipment_id], actor)
        if d.error is not None:
            raise d.error
        assert d.head is not None
        history = shipments.histories(s, [shipment_id])[shipment_id]
        return shipment_answer(d.head, [o.id for o in d.orders], [item_view(u) for u in d.units], d.parcels, history)

    return uow.run(work)


def ship_many(cmd: ShipMany, uow: UnitOfWork, actor: str, answer: Callable[[list[Departure]], T]) -> T:
    """Packed shipments of ``cmd.warehouse`` leave together (``depart``): one transaction, each shipment all
    or nothing; the others' refusals say why. ``answer`` turns the departures into the caller's answer
    inside the transaction (an atomic route stores it with the work)."""

    def work(uow: UnitOfWork) -> T:
        s = uow.session
        ids = cmd.shipment_ids
        if ids is None:
            assert cmd.carrier is not None
            ids = shipments.waiting_at_dock(s, warehouse_by_code(s, cmd.warehouse).id, cmd.carrier, MAX_SHIPMENTS)
        return answer(_depart_or_each_alone(s, ids, actor, cmd.warehouse))

    return uow.run(work)


def _depart_or_each_alone(s: Session, ids: Sequence[int], actor: str, warehouse: str) -> list[Departure]:
    """``depart`` all together; if that fails while they leave (a refusal found only then, e.g. a
    reservation missing at the dock), each leaves alone (a savepoint each), so that only the one that
    cannot leave is refused."""
    try:
        with savepoint(s):
            return depart(s, ids, actor, warehouse)
    except DomainError:
        pass
    departures: dict[int, Departure] = {}
    for sid in dict.fromkeys(ids):
        try:
            with savepoint(s):
                [departures[sid]] = depart(s, [sid], actor, warehouse)
        except DomainError as refused:
            departures[sid] = Departure(sid, error=refused)
    return [departures[sid] for sid in ids]


def depart(s: Session, shipment_ids: Sequence[int], actor: str, warehouse: str | None = None) -> list[Departure]:
    """The packed ones among ``shipment_ids`` (of ``warehouse``, when given) leave; one ``Departure`` per id,
    in the order asked (an id asked twice is answered twice, shipped once)."""
    ids = list(dict.fromkeys(shipment_ids))
    orders = lock_orders_of(s, ids)  # orders before their shipments (orders → … → stock)
    heads = shipments.lock_heads(s, ids)
    refused = {sid: e for sid in ids if (e := _refusal(sid, heads.get(sid), warehouse)) is not None}
    leaving = [heads[sid] for sid in ids if sid not in refused]
    units: dict[int, list[Unit]] = defaultdict(list)
    for u in shipment_units(s, [h.id for h in leaving]):
        units[u.shipment_id].append(u)
    take_out_units(
        s,
        [(f"SHIPMENT-{h.id}", units[h.id]) for h in leaving if units[h.id]],
        kind="shipment",
        reason="shipped",
        actor=actor,
    )
    at = shipments.transition_many(s, leaving, "shipped", ["left the dock"] * len(leaving), actor)
    left = [replace(h, status="shipped", shipped_at=at) for h in leaving]
    completed = _completing(s, left, orders)
    payloads = ship_orders(s, [(o, f"shipment {sid} left the dock") for sid, o in completed], actor)
    parcels = _parcels(s, [h.id for h in left])
    done = {h.id: Departure(h.id, h, orders[h.id], units[h.id], parcels[h.id]) for h in left}
    completed_by: dict[int, list[DockOrder]] = defaultdict(list)
    for sid, o in completed:
        completed_by[sid].append(o)
    for h in left:
        for o in completed_by[h.id]:
            announce(s, payloads[o.id])
        record(s, "shipment.shipped", _shipped_event(done[h.id]))
    return [done[sid] if sid in done else Departure(sid, error=refused[sid]) for sid in shipment_ids]


def _refusal(shipment_id: int, head: Head | None, warehouse: str | None) -> DomainError | None:
    if head is None:
        return NotFound(f"shipment {shipment_id} not found", code="shipment_not_found")
    if warehouse is not None and head.warehouse != warehouse:
        return Forbidden(
            f"shipment {shipment_id} is in warehouse {head.warehouse}, not {warehouse}", code="warehouse_forbidden"
        )
    if head.status != "packed":
        return Conflict(
            f"shipment {head.id} is {head.status}; only a packed shipment ships",
            code="shipment_already_shipped" if head.status == "shipped" else "shipment_not_packed",
        )
    return None


def _completing(s: Session, left: Sequence[Head], orders: dict[int, list[DockOrder]]) -> list[tuple[int, DockOrder]]:
    """(shipment id, order) for each ``allocated`` order that has now wholly left, with the last of its
    shipments to leave here (the one that completed it), in the order the shipments leave, orders by id."""
    candidates = {o.id for h in left for o in orders[h.id] if o.status == "allocated"}
    whole = all_left(s, sorted(candidates))
    last = {o.id: h.id for h in left for o in orders[h.id] if o.id in whole}
    return [(h.id, o) for h in left for o in orders[h.id] if last.get(o.id) == h.id]


def _parcels(s: Session, shipment_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Shipment id → its parcels (``parcel_view``), by seq, in one statement."""
    found: dict[int, list[dict[str, Any]]] = {sid: [] for sid in shipment_ids}
    if shipment_ids:
        rows = s.execute(
            select(Parcel.__table__)
            .where(Parcel.shipment_id.in_(shipment_ids))
            .order_by(Parcel.shipment_id, Parcel.seq)
        )
        for p in rows:
            found[p.shipment_id].append(parcel_view(p))
    return found


def _shipped_event(d: Departure) -> dict[str, Any]:
    assert d.head is not None and d.head.shipped_at is not None
    lines: dict[tuple[str, str], int] = defaultdict(int)
    for u in d.units:
        lines[(u.sku, u.lot)] += u.quantity
    return {
        "shipment_id": d.head.id,
        "carrier": d.head.carrier,
        "shipped_at": d.head.shipped_at.isoformat(),
        "orders": [{"id": o.id, "external_id": o.external_id, "channel": o.channel} for o in d.orders],
        "tracking_numbers": d.tracking_numbers,
        "lines": [{"sku": sku, "lot": lot, "quantity": q} for (sku, lot), q in sorted(lines.items())],
    }
