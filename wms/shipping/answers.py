"""A shipment as the packing and dock endpoints answer it (``ShipmentOut``), built from plain values: by the
read model (``wms.views.shipments``) from a fresh read, and by packing and shipping from what their own
transaction read and wrote."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wms.allocation.queries import Unit
from wms.allocation.shipments import Head


def parcel_view(p: Any) -> dict[str, Any]:
    """A parcel (a row or an object with the parcel's columns) with its label URLs."""
    return {
        "id": p.id,
        "seq": p.seq,
        "carrier": p.carrier,
        "tracking_number": p.tracking_number,
        "weight_kg": p.weight_kg,
        "length_cm": p.length_cm,
        "width_cm": p.width_cm,
        "height_cm": p.height_cm,
        "label_pdf_url": f"/v1/parcels/{p.id}/label.pdf",
        "label_zpl_url": f"/v1/parcels/{p.id}/label.zpl",
    }


def item_view(u: Unit) -> dict[str, Any]:
    """One allocation of the shipment as its ``items`` list it."""
    return {
        "order_id": u.order_id,
        "sku": u.sku,
        "lot": u.lot,
        "expiry_date": u.expiry_date,
        "location": u.location,
        "quantity": u.quantity,
    }


def shipment_answer(
    head: Head,
    orders: Sequence[int],
    items: Sequence[dict[str, Any]],
    parcels: Sequence[dict[str, Any]],
    history: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": head.id,
        "warehouse": head.warehouse,
        "status": head.status,
        "carrier": head.carrier,
        "wave_id": head.wave_id,
        "orders": sorted(set(orders)),
        "items": list(items),
        "parcels": list(parcels),
        "packed_at": head.packed_at,
        "shipped_at": head.shipped_at,
        "history": list(history),
    }
