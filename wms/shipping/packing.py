"""Packing: the packer scans what came from the carts against the shipment and closes parcels.

The scanned items must be exactly what was picked for the shipment (per SKU
and lot); anything missing or extra is refused and nothing changes. Packing
moves the shipment's stock from the packing station to the SHIPPING dock in
the ledger (still reserved for it), picks the carrier (the order's, or for
``auto`` the carrier rules' or the default carrier) and gives every parcel a
tracking number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Annotated

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.allocation import shipments
from wms.allocation.floor import set_carrier
from wms.allocation.queries import locked_shipment, shipment_stock
from wms.allocation.transfer import relocate, shipment_allocations
from wms.batches.lots import lot_codes
from wms.commands import Command, PositiveNumber, Quantity
from wms.config import CarrierRule
from wms.db import UnitOfWork
from wms.errors import Conflict
from wms.events.outbox import record
from wms.fields import LotCode, Sku
from wms.inventory.repository import special_location_id, stock_keys
from wms.orders.queries import carriers_in_shipment, open_problem_in_shipment, shipment_ship_to
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
) -> None:
    def work(uow: UnitOfWork) -> None:
        s = uow.session
        shipment = locked_shipment(s, shipment_id)
        if shipment.status in ("packed", "shipped"):
            raise Conflict(f"shipment {shipment.id} is {shipment.status} already", code="shipment_already_packed")
        if shipment.status != "picked":
            raise Conflict(
                f"shipment {shipment.id} is not at the packing station yet ({shipment.status})",
                code="shipment_not_picked",
            )
        _check_held(s, shipment.id)
        requested = _requested_carrier(s, shipment.id, shipment.carrier)
        _check_scan(contents(s, shipment.id), cmd.items)
        allocations = shipment_allocations(s, shipment.id)
        dock = special_location_id(s, shipment.warehouse_id, "shipping")
        relocate(
            s,
            allocations,
            warehouse_id=shipment.warehouse_id,
            to_location_id=dock,
            kind="pack",
            reason="packed",
            reference=f"SHIPMENT-{shipment.id}",
            actor=actor,
        )
        country = str(shipment_ship_to(s, shipment.id).get("country") or "")
        carrier = choose_carrier(requested, country, sum(p.weight_kg for p in cmd.parcels), rules, default_carrier)
        for seq, p in enumerate(cmd.parcels, start=1):
            parcel = Parcel(
                shipment_id=shipment.id,
                seq=seq,
                carrier=carrier,
                weight_kg=float(p.weight_kg),
                length_cm=p.length_cm,
                width_cm=p.width_cm,
                height_cm=p.height_cm,
                packed_by=actor,
            )
            s.add(parcel)
            s.flush()
            parcel.tracking_number = tracking_number(carrier, parcel.id)
        set_carrier(s, shipment.id, carrier)
        shipments.transition(s, shipment, "packed", f"packed in {len(cmd.parcels)} parcel(s)", actor)
        s.flush()
        record(s, "shipment.packed", {"shipment_id": shipment.id, "carrier": carrier, "parcels": len(cmd.parcels)})

    uow.run(work)


def contents(s: Session, shipment_id: int) -> dict[tuple[str, str], int]:
    """(sku, lot) → units the shipment holds, wherever they are now."""
    units = shipment_stock(s, shipment_id)
    held = stock_keys(s, units)
    codes = lot_codes(s, (k.lot_id for k in held.values()))
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for stock_id, qty in units.items():
        totals[(held[stock_id].sku, codes[held[stock_id].lot_id])] += qty
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


def _check_held(s: Session, shipment_id: int) -> None:
    """No label for an address a person must look at first (e.g. corrected to something unclear)."""
    held = open_problem_in_shipment(s, shipment_id, "unclear_address")
    if held is not None:
        order_id, detail = held
        raise Conflict(
            f"order {order_id} has an unclear address ({detail}); resolve it before packing",
            code="address_unclear",
            details={"order_id": order_id},
        )


def _requested_carrier(s: Session, shipment_id: int, current: str) -> str:
    """The carrier the shipment's orders ask for now (a carrier changed on the floor counts, and ``auto`` is
    chosen again after a new address), else its ``current`` one. Orders merged into one shipment must agree."""
    carriers = carriers_in_shipment(s, shipment_id)
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
