"""The floor half of ``wms demo``: pickers work the wave (one short pick), packers pack and label, the dock ships."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from wms.allocation.queries import wave_shipments
from wms.config import Settings
from wms.db import UnitOfWork
from wms.picking import handheld
from wms.picking.commands import Claim, Confirm, Deliver
from wms.picking.confirm import confirm
from wms.picking.pick_list_views import pick_list_detail
from wms.shipping import labels
from wms.shipping.dock import ship
from wms.shipping.packing import Pack, PackedItem, ParcelIn, contents, first_parcel_id, pack
from wms.views.labels import label_data

PICKER, PACKER = "demo-picker", "demo-packer"


def work_the_floor(
    uow: UnitOfWork, settings: Settings, code: str, wave_id: int, say: Callable[[str], None], label_dir: Path
) -> None:
    shorted = False
    while (pl_id := handheld.claim(Claim(warehouse=code), uow, PICKER)) is not None:
        pl = uow.run(lambda u: pick_list_detail(u.session, pl_id), read_only=True)
        while (stop := pl["next_stop"]) is not None:
            qty = stop["quantity"]
            if not shorted and qty >= 2:  # the picker finds one unit fewer than the system thinks
                qty, shorted = qty - 1, True
            pl = confirm(
                pl_id,
                Confirm(
                    location=stop["location"],
                    sku=stop["sku"],
                    lot=stop["lot"],
                    quantity=qty,
                    stop_id=stop["id"],
                    reason=None if qty == stop["quantity"] else "not_found",
                ),
                uow,
                PICKER,
            )
            if qty < stop["quantity"]:
                found = [s for s in pl["stops"] if s["id"] in pl["added_stop_ids"]]
                say(
                    f"  short pick at {stop['location']}: {qty} of {stop['quantity']} x {stop['sku']} found; "
                    + (
                        f"the rest comes from {', '.join(s['location'] for s in found)}"
                        if found
                        else "nothing left elsewhere, the order is flagged"
                    )
                    + f"; {stop['location']} gets a cycle count"
                )
        handheld.deliver(pl_id, Deliver(), uow, PICKER)
        say(f"pick list {pl_id}: {len(pl['stops'])} stops confirmed, cart delivered to PACKING")
    shipments = uow.run(lambda u: wave_shipments(u.session, wave_id, "picked"), read_only=True)
    for n, shipment_id in enumerate(shipments):
        items = uow.run(lambda u: contents(u.session, shipment_id), read_only=True)  # noqa: B023 (called at once)
        pack(
            shipment_id,
            Pack(
                items=[PackedItem(sku=sku, lot=lot, quantity=q) for (sku, lot), q in items.items()],
                parcels=[ParcelIn(weight_kg=round(0.4 * sum(items.values()), 2))],
            ),
            uow,
            PACKER,
            settings.carrier_rules,
        )
        ship(shipment_id, uow, PACKER)
        if n == 0:
            _write_label(uow, shipment_id, label_dir, say)
    say(f"packed, labelled and shipped {len(shipments)} shipment(s); their orders are shipped")


def _write_label(uow: UnitOfWork, shipment_id: int, label_dir: Path, say: Callable[[str], None]) -> None:
    def data(u: UnitOfWork) -> labels.LabelData:
        return label_data(u.session, first_parcel_id(u.session, shipment_id) or 0)

    label = uow.run(data, read_only=True)
    label_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = label_dir / f"label-{label.tracking_number}.pdf"
    pdf_path.write_bytes(labels.pdf(label))
    (label_dir / f"label-{label.tracking_number}.zpl").write_text(labels.zpl_label(label))
    say(
        f"shipment {shipment_id}: {label.carrier} parcel {label.tracking_number}, label written to {pdf_path} "
        "(and .zpl)"
    )
