"""What happens when a stop cannot be picked in full.

The missing units are accounted for at once, so they never look available:
``not_found`` writes them off the location (``short_pick`` in the ledger),
``damaged`` and ``expired`` move them to QUARANTINE. The location gets a
cycle-count task that settles what is really there. The shortfall is then
re-allocated FEFO from other locations of the warehouse and comes back as new
open stops of the same pick list; what cannot be found is taken off the
shipment, backordered on the order line and flagged as a ``short_pick``
problem, which sends the order back to ``ready`` for a planner to resolve.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.allocation import allocations
from wms.batches.lots import expiry_dates
from wms.events.outbox import record
from wms.inventory.counting import active_count, open_count
from wms.inventory.ledger import StockChange, post_operation
from wms.inventory.repository import location_code, min_shelf_life_days, sku_of, special_location_id
from wms.inventory.stock import Available, Place, lock_available, positions, reserve
from wms.orders import workflow as wf
from wms.orders.queries import promised_ship_date
from wms.orders.review import Finding
from wms.orders.services import get_order
from wms.orm import utcnow
from wms.picking.orm import PickList, PickListStop
from wms.picking.rules import Elsewhere, shortfall_stops


def elsewhere(pl: PickList, stop: PickListStop) -> Available:
    """The stock a shortfall of ``stop`` may be found in: the item's elsewhere in the warehouse."""
    return Available((stop.item_id,), pl.warehouse_id, exclude_location_id=stop.location_id)


def shortfall_places(s: Session, pl: PickList, stop: PickListStop, lot_id: int, reason: str) -> list[Place]:
    """Where a shortfall of ``stop`` puts units (QUARANTINE, unless they were not found), to lock first."""
    if reason == "not_found":
        return []
    return [Place(special_location_id(s, pl.warehouse_id, "quarantine"), lot_id, stop.item_id, pl.warehouse_id)]


def handle_shortfall(
    s: Session, pl: PickList, stop: PickListStop, *, line_id: int, lot_id: int, missing: int, reason: str, actor: str
) -> list[PickListStop]:
    """Account for ``missing`` units of ``stop`` (lot ``lot_id``); return the stops added to find them elsewhere."""
    _account_missing(s, pl.warehouse_id, stop, lot_id, missing, reason, actor)
    if active_count(s, stop.location_id) is None:
        open_count(s, pl.warehouse_id, stop.location_id, actor, "short_pick")
    added = _reallocate(s, pl, stop, line_id, missing)
    unfilled = missing - sum(st.quantity for st in added)
    if unfilled:
        _backorder(s, stop, line_id, unfilled, reason, actor)
    record(
        s,
        "pick_list.short_pick",
        {
            "pick_list_id": pl.id,
            "stop_id": stop.id,
            "order_id": stop.order_id,
            "shipment_id": stop.shipment_id,
            "location": location_code(s, stop.location_id),
            "sku": sku_of(s, stop.item_id),
            "missing": missing,
            "reason": reason,
            "found_elsewhere": missing - unfilled,
            "backordered": unfilled,
        },
    )
    return added


def _account_missing(
    s: Session, warehouse_id: int, stop: PickListStop, lot_id: int, missing: int, reason: str, actor: str
) -> None:
    out = StockChange(
        stop.location_id, stop.item_id, lot_id, -missing, "short_pick" if reason == "not_found" else reason
    )
    changes = [out]
    if reason != "not_found":
        changes.append(
            StockChange(special_location_id(s, warehouse_id, "quarantine"), stop.item_id, lot_id, missing, reason)
        )
    post_operation(
        s,
        warehouse_id=warehouse_id,
        kind="short_pick",
        reference=f"PICKLIST-{stop.pick_list_id}",
        actor=actor,
        changes=changes,
    )


def _reallocate(s: Session, pl: PickList, stop: PickListStop, line_id: int, missing: int) -> list[PickListStop]:
    ship_date = promised_ship_date(s, stop.order_id)
    shelf_life = min_shelf_life_days(s, stop.item_id)
    rows = lock_available(s, elsewhere(pl, stop))
    expiry = expiry_dates(s, (r.lot_id for r in rows))
    where = positions(s, (r.id for r in rows))
    found = shortfall_stops(
        missing,
        [Elsewhere(r.id, expiry[r.lot_id], r.available, where[r.id].aisle, where[r.id].y_m) for r in rows],
        today=utcnow().date(),
        ship_date=ship_date,
        min_shelf_life_days=shelf_life,
    )
    picks = [(p.stock_id, p.quantity) for p in found.stops]  # in walking order
    if not picks:
        return []
    reserve(s, picks)
    seq = s.scalar(select(func.max(PickListStop.seq)).where(PickListStop.pick_list_id == pl.id)) or 0
    added = []
    for stock_id, qty in picks:
        alloc_id = allocations.add(s, line_id, stock_id, qty)
        seq += 1
        row = where[stock_id]
        new = PickListStop(
            pick_list_id=pl.id,
            seq=seq,
            allocation_id=alloc_id,
            shipment_id=stop.shipment_id,
            order_id=stop.order_id,
            location_id=row.location_id,
            item_id=stop.item_id,
            lot_id=row.lot_id,
            quantity=qty,
            status="open",
            replaces_stop_id=stop.id,
        )
        s.add(new)
        added.append(new)
    s.flush()
    return added


def _backorder(s: Session, stop: PickListStop, line_id: int, unfilled: int, reason: str, actor: str) -> None:
    """Take what cannot be found off the shipment; the order line backorders it and the order is flagged."""
    wf.backorder(s, allocations.order_line_of(s, line_id), unfilled)
    allocations.take_off(s, line_id, unfilled, cause="emptied by a short pick", actor=actor)
    order = get_order(s, stop.order_id, lock=True)
    wf.flag(
        s,
        order,
        Finding(
            "short_pick",
            f"{unfilled} unit(s) of {sku_of(s, stop.item_id)} short at "
            f"{location_code(s, stop.location_id)} ({reason}); none left elsewhere",
        ),
    )
    if order.status == "allocated":
        wf.transition(s, order, "ready", "short pick", actor)
    s.flush()
