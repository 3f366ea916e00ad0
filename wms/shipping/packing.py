"""Packing: the packer scans what came from the carts against the shipment and closes parcels.

The scanned items must be exactly what was picked for the shipment (per SKU
and lot); anything missing or extra is refused and nothing changes. Packing
moves the shipment's stock from the packing station to the SHIPPING dock in
the ledger (still reserved for it), picks the carrier (the order's, or for
``auto`` the carrier rules' or the default carrier) and gives every parcel a
tracking number.

A pack is one transaction of a handful of statements: the shipment locked
(and read), its orders, its units with their stock rows, the dock; the stock
rows locked and changed in one statement and posted in two
(``transfer.move_reserved_units``); the allocations repointed, the parcels
closed, the shipment and its history written; the answer is built from
that, not read again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from types import SimpleNamespace
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from wms.allocation import allocations, shipments
from wms.allocation.queries import Unit, shipment_units
from wms.allocation.transfer import move_reserved_units
from wms.bulk import insert_rows
from wms.commands import Command, PositiveNumber, Quantity
from wms.config import CarrierRule
from wms.db import UnitOfWork
from wms.errors import Conflict, NotFound
from wms.events.outbox import record
from wms.fields import LotCode, Sku
from wms.inventory.repository import special_location
from wms.inventory.stock import Place
from wms.orders.queries import PackedOrder, orders_to_pack
from wms.orm import utcnow
from wms.shipping.answers import item_view, parcel_view, shipment_answer
from wms.shipping.carriers import choose_carrier, tracking_number
from wms.shipping.orm import Parcel


class PackedItem(Command):
    sku: Sku
    lot: LotCode
    quantity: Quantity


class ParcelIn(Command):
    weight_kg: PositiveNumber
    length_cm: PositiveNumber | None = None
    width_cm: PositiveNumber | None = None
    height_cm: PositiveNumber | None = None


class Pack(Command):
    items: Annotated[list[PackedItem], Field(min_length=1, max_length=5000)]
    parcels: Annotated[list[ParcelIn], Field(min_length=1, max_length=99)]


def pack(
    shipment_id: int,
    cmd: Pack,
    uow: UnitOfWork,
    actor: str,
    rules: Sequence[CarrierRule],
    default_carrier: str | None = None,
) -> dict[str, Any]:
    """Pack the shipment (see the module); the answer is the shipment as ``GET /v1/shipments/{id}`` shows
    it, built from what this transaction read and wrote."""

    def work(uow: UnitOfWork) -> dict[str, Any]:
        s = uow.session
        head = shipments.lock_heads(s, [shipment_id]).get(shipment_id)
        if head is None:
            raise NotFound(f"shipment {shipment_id} not found", code="shipment_not_found")
        if head.status in ("packed", "shipped"):
            raise Conflict(f"shipment {head.id} is {head.status} already", code="shipment_already_packed")
        if head.status != "picked":
            raise Conflict(
                f"shipment {head.id} is not at the packing station yet ({head.status})", code="shipment_not_picked"
            )
        orders = orders_to_pack(s, head.id)
        _check_held(orders)
        requested = _requested_carrier(head.id, orders, head.carrier)
        units = shipment_units(s, [head.id])
        _check_scan(_totals(units), cmd.items)
        dock, dock_code = special_location(s, head.warehouse_id, "shipping")
        moving = [u for u in units if u.location_id != dock]
        target = move_reserved_units(
            s,
            moving,
            {u.stock_id: Place(u.location_id, u.lot_id, u.item_id, u.warehouse_id) for u in moving},
            warehouse_id=head.warehouse_id,
            to_location_id=dock,
            kind="pack",
            reason="packed",
            reference=f"SHIPMENT-{head.id}",
            actor=actor,
        )
        allocations.repoint_many(s, [(u.allocation_id, target[u.lot_id]) for u in moving])
        country = str((orders[0].ship_to if orders else {}).get("country") or "")
        carrier = choose_carrier(requested, country, sum(p.weight_kg for p in cmd.parcels), rules, default_carrier)
        parcels = close_parcels(s, head.id, carrier, cmd.parcels, actor)
        at = shipments.transition_many(
            s, [head], "packed", [f"packed in {len(cmd.parcels)} parcel(s)"], actor, carrier=carrier
        )
        record(s, "shipment.packed", {"shipment_id": head.id, "carrier": carrier, "parcels": len(cmd.parcels)})
        moved = {u.allocation_id for u in moving}
        items = [item_view(replace(u, location=dock_code) if u.allocation_id in moved else u) for u in units]
        history = shipments.histories(s, [head.id])[head.id]
        packed = replace(head, status="packed", packed_at=at, carrier=carrier)
        return shipment_answer(packed, [o.id for o in orders], items, parcels, history)

    return uow.run(work)


def close_parcels(
    s: Session, shipment_id: int, carrier: str, parcels: Sequence[ParcelIn], actor: str
) -> list[dict[str, Any]]:
    """The shipment's parcels, numbered 1 of n, each with its tracking number (made from its id): one insert
    and one update (an executemany); returns them as the answer lists them (``parcel_view``)."""
    table = Parcel.__table__
    now = utcnow()
    rows = [
        {
            "shipment_id": shipment_id,
            "seq": seq,
            "carrier": carrier,
            "tracking_number": None,
            "weight_kg": float(p.weight_kg),
            "length_cm": p.length_cm,
            "width_cm": p.width_cm,
            "height_cm": p.height_cm,
            "packed_by": actor,
            "created_at": now,
        }
        for seq, p in enumerate(parcels, start=1)
    ]
    ids = insert_rows(s, table, rows, returning_ids=True)
    for row, parcel_id in zip(rows, ids, strict=True):
        row["id"], row["tracking_number"] = parcel_id, tracking_number(carrier, parcel_id)
    s.execute(
        update(table).where(table.c.id == bindparam("parcel")).values(tracking_number=bindparam("number")),
        [{"parcel": r["id"], "number": r["tracking_number"]} for r in rows],
    )
    return [parcel_view(SimpleNamespace(**r)) for r in rows]


def contents(s: Session, shipment_id: int) -> dict[tuple[str, str], int]:
    """(sku, lot) → units the shipment holds, wherever they are now."""
    return _totals(shipment_units(s, [shipment_id]))


def _totals(units: Sequence[Unit]) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for u in units:
        totals[(u.sku, u.lot)] += u.quantity
    return dict(totals)


def _check_scan(expected: dict[tuple[str, str], int], items: Sequence[PackedItem]) -> None:
    scanned: dict[tuple[str, str], int] = defaultdict(int)
    for it in items:
        scanned[(it.sku, it.lot)] += it.quantity
    missing = [
        {"sku": k[0], "lot": k[1], "quantity": n - scanned.get(k, 0)}
        for k, n in sorted(expected.items())
        if scanned.get(k, 0) < n
    ]
    extra = [
        {"sku": k[0], "lot": k[1], "quantity": n - expected.get(k, 0)}
        for k, n in sorted(scanned.items())
        if expected.get(k, 0) < n
    ]
    if missing or extra:
        said = [f"missing {m['quantity']} × {m['sku']} lot {m['lot']}" for m in missing]
        said += [f"not in this shipment: {x['quantity']} × {x['sku']} lot {x['lot']}" for x in extra]
        raise Conflict(
            "The scanned items do not match the shipment: " + "; ".join(said) + ".",
            code="pack_mismatch",
            details={"missing": missing, "unexpected": extra},
        )


def _check_held(orders: Sequence[PackedOrder]) -> None:
    """No label for an address a person must look at first (e.g. corrected to something unclear)."""
    held = next((o for o in orders if o.held), None)
    if held is not None:
        raise Conflict(
            f"order {held.id} has an unclear address ({held.held_detail}); resolve it before packing",
            code="address_unclear",
            details={"order_id": held.id},
        )


def _requested_carrier(shipment_id: int, orders: Sequence[PackedOrder], current: str) -> str:
    """The carrier the shipment's orders ask for now (a carrier changed on the floor counts, and ``auto`` is
    chosen again after a new address), else its ``current`` one. Orders merged into one shipment must agree."""
    carriers = {o.id: o.carrier for o in orders}
    if len(set(carriers.values())) > 1:
        said = ", ".join(f"order {order_id}: {carrier}" for order_id, carrier in carriers.items())
        raise Conflict(
            f"the orders of shipment {shipment_id} ask for different carriers ({said}); change one "
            "with POST /v1/orders/{id}/carrier so that they agree, then pack",
            code="carrier_mixed",
            details=[{"order_id": order_id, "carrier": carrier} for order_id, carrier in carriers.items()],
        )
    return next(iter(carriers.values()), current)


def first_parcel_id(s: Session, shipment_id: int) -> int | None:
    """The id of the shipment's first parcel (None before it is packed)."""
    return s.scalars(select(Parcel.id).where(Parcel.shipment_id == shipment_id).order_by(Parcel.seq)).first()
