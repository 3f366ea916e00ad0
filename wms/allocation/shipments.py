"""The owner of a shipment's status: the only module that changes it.

Every change is checked against the rules (``shipment_states``) and recorded
in ``shipment_transitions`` with its cause and actor, in the caller's
transaction, together with the fields that go with it: the wave a shipment
is released into, when it was packed, when it shipped. Claiming shipments
for a wave and giving a failed wave's back are set-based: one conditional
UPDATE (so two planners never claim the same shipment) and one insert of
their history rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, insert, select, update
from sqlalchemy.orm import Session

from wms.allocation.orm import Shipment, ShipmentLine, ShipmentTransition
from wms.allocation.shipment_states import FIRST, check_transition
from wms.bulk import insert_family, insert_rows
from wms.db import core
from wms.inventory.repository import warehouse_code_column
from wms.orm import utcnow

SYSTEM = "system"  # the actor of changes that no person or client asked for


def create(session: Session, *, warehouse_id: int, merge_key: str, carrier: str, cause: str, actor: str) -> Shipment:
    """A new shipment in its first state (``allocated``), flushed, with its first history row."""
    shipment = Shipment(warehouse_id=warehouse_id, status=FIRST, merge_key=merge_key, carrier=carrier)
    session.add(shipment)
    session.flush()
    session.add(ShipmentTransition(**_row(shipment.id, None, FIRST, cause, actor, utcnow())))
    return shipment


def create_many(session: Session, specs: Sequence[tuple[int, str, str, str]], *, actor: str) -> list[int]:
    """New shipments in their first state, one per (warehouse id, merge key, carrier, cause), with their
    first history rows, set-based; returns their ids in the same order."""
    if not specs:
        return []
    now = utcnow()
    ids, _ = insert_family(
        session,
        Shipment.__table__,
        [
            {"warehouse_id": w, "status": FIRST, "merge_key": key, "carrier": carrier, "created_at": now}
            for w, key, carrier, _ in specs
        ],
        ShipmentTransition.__table__,
        [_row(n, None, FIRST, cause, actor, now) for n, (*_, cause) in enumerate(specs)],
        link="shipment_id",
    )
    return ids


def part(session: Session, shipment_id: int, order_ids: Sequence[int], cause: str, actor: str) -> int:
    """Move these orders' lines, and with them what is reserved for them, from an ``allocated`` shipment to a
    new one like it (same warehouse, carrier and ``merge_key``, so the customer's next orders join it); the new
    shipment's id. The caller holds the orders and the shipment locked."""
    old = session.get_one(Shipment, shipment_id)
    new = create(
        session, warehouse_id=old.warehouse_id, merge_key=old.merge_key, carrier=old.carrier, cause=cause, actor=actor
    )
    session.execute(
        update(ShipmentLine)
        .where(ShipmentLine.shipment_id == shipment_id, ShipmentLine.order_id.in_(sorted(order_ids)))
        .values(shipment_id=new.id)
    )
    return new.id


def lock(session: Session, shipment_ids: Iterable[int]) -> None:
    """Lock these shipments in id order: a use case that will change a shipment and stock locks the
    shipment first (orders → pick lists → shipments → stock, ``wms.inventory.stock``)."""
    ids = sorted(set(shipment_ids))
    if ids:
        session.execute(select(Shipment.id).where(Shipment.id.in_(ids)).order_by(Shipment.id).with_for_update())


def transition(session: Session, shipment: Shipment, to: str, cause: str, actor: str) -> None:
    """Move the shipment to ``to`` (nothing if it is there already); 409 if the rules forbid it."""
    old = shipment.status
    if old == to:
        return
    check_transition(old, to)
    now = utcnow()
    shipment.status = to
    if to == "packed":
        shipment.packed_at = now
    elif to == "shipped":
        shipment.shipped_at = now
    elif old == "packed" and to == "picked":  # its parcels were voided
        shipment.packed_at = None
    elif old == "released" and to == "allocated":
        shipment.wave_id = None
    session.add(ShipmentTransition(**_row(shipment.id, old, to, cause, actor, now)))


@dataclass(frozen=True)
class Head:
    """A shipment's own columns, as a locked read gives them."""

    id: int
    warehouse_id: int
    warehouse: str  # its code
    status: str
    carrier: str
    wave_id: int | None
    packed_at: datetime | None
    shipped_at: datetime | None


def lock_heads(session: Session, shipment_ids: Iterable[int]) -> dict[int, Head]:
    """``lock`` that reads the shipments too (under the lock: what the transactions before it committed)."""
    return _heads(session, shipment_ids, lock=True)


def heads(session: Session, shipment_ids: Iterable[int]) -> dict[int, Head]:
    """The shipments' own columns, read without a lock."""
    return _heads(session, shipment_ids, lock=False)


_SHIPMENTS = Shipment.__table__
_HEADS = (  # built once (every pack, delivery and ship reads heads): only the ids change
    select(
        *(
            warehouse_code_column(_SHIPMENTS.c.warehouse_id) if f.name == "warehouse" else _SHIPMENTS.c[f.name]
            for f in fields(Head)
        )
    )
    .where(_SHIPMENTS.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_SHIPMENTS.c.id)
)
_LOCKED_HEADS = _HEADS.with_for_update()


def _heads(session: Session, shipment_ids: Iterable[int], *, lock: bool) -> dict[int, Head]:
    ids = sorted(set(shipment_ids))
    if not ids:
        return {}
    rows = core(session).execute(_LOCKED_HEADS if lock else _HEADS, {"ids": ids})
    return {r.id: Head(*r) for r in rows}


def transition_many(
    session: Session, heads: Sequence[Head], to: str, causes: Sequence[str], actor: str, **values: Any
) -> datetime:
    """``transition`` of several shipments (locked, ``lock_heads``), set-based: one UPDATE (with ``values``,
    e.g. the carrier packing chose) and one insert of their history rows, each with its cause; returns
    the time of the change."""
    for h in heads:
        check_transition(h.status, to)
    now = utcnow()
    if not heads:
        return now
    stamp = {"packed": {"packed_at": now}, "shipped": {"shipped_at": now}}.get(to, {})
    session.flush()  # what the session has pending goes first, as before an ORM update
    insert_rows(
        session,
        ShipmentTransition.__table__,
        [_row(h.id, h.status, to, cause, actor, now) for h, cause in zip(heads, causes, strict=True)],
        also_set=(Shipment.__table__, [{"id": h.id, "status": to, **stamp, **values} for h in heads]),
    )
    changed = {h.id for h in heads}
    for held in list(session.identity_map.values()):  # a shipment the session holds reads the change again
        if isinstance(held, Shipment) and held.id in changed:
            session.expire(held)
    return now


def claim_for_wave(session: Session, shipment_ids: Sequence[int], wave_id: int, actor: str) -> list[int]:
    """Release the ``allocated`` ones of these shipments into the wave; returns those claimed. One that
    another wave claimed meanwhile is left out (the update is conditional): the caller decides."""
    check_transition("allocated", "released")
    claimed = list(
        session.execute(
            update(Shipment)
            .where(Shipment.id.in_(shipment_ids), Shipment.status == "allocated")
            .values(status="released", wave_id=wave_id)
            .returning(Shipment.id)
        ).scalars()
    )
    _log_many(session, claimed, "allocated", "released", f"released into wave {wave_id}", actor)
    return claimed


def return_from_wave(session: Session, wave_id: int, cause: str, actor: str) -> list[int]:
    """The wave's shipments still ``released`` go back to ``allocated``, out of the wave; returns them."""
    check_transition("released", "allocated")
    returned = list(
        session.execute(
            update(Shipment)
            .where(Shipment.wave_id == wave_id, Shipment.status == "released")
            .values(status="allocated", wave_id=None)
            .returning(Shipment.id)
        ).scalars()
    )
    _log_many(session, returned, "released", "allocated", cause, actor)
    return returned


def _log_many(session: Session, shipment_ids: list[int], old: str, new: str, cause: str, actor: str) -> None:
    if shipment_ids:
        now = utcnow()
        session.execute(
            insert(ShipmentTransition.__table__),
            [_row(shipment_id, old, new, cause, actor, now) for shipment_id in shipment_ids],
        )


def _row(shipment_id: int, old: str | None, new: str, cause: str, actor: str, at: datetime) -> dict[str, Any]:
    return {
        "shipment_id": shipment_id,
        "from_status": old,
        "to_status": new,
        "cause": cause[:200],
        "actor": actor[:100],
        "at": at,
    }


def history(session: Session, shipment_id: int) -> list[dict[str, Any]]:
    """The shipment's status changes, oldest first."""
    return histories(session, [shipment_id])[shipment_id]


_TRANSITIONS = ShipmentTransition.__table__
_HISTORIES = (  # built once: only the ids change
    select(*(_TRANSITIONS.c[c] for c in ("shipment_id", "from_status", "to_status", "cause", "actor", "at")))
    .where(_TRANSITIONS.c.shipment_id.in_(bindparam("ids", expanding=True)))
    .order_by(_TRANSITIONS.c.id)
)


def histories(session: Session, shipment_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """``history`` of several shipments in one statement."""
    found: dict[int, list[dict[str, Any]]] = {sid: [] for sid in shipment_ids}
    for r in core(session).execute(_HISTORIES, {"ids": sorted(found)}):
        found[r.shipment_id].append(
            {"from_status": r.from_status, "to_status": r.to_status, "cause": r.cause, "actor": r.actor, "at": r.at}
        )
    return found


def waiting_at_dock(session: Session, warehouse_id: int, carrier: str, limit: int) -> list[int]:
    """Ids of the warehouse's packed shipments of ``carrier``, oldest first (at most ``limit``)."""
    return list(
        session.scalars(
            select(Shipment.id)
            .where(Shipment.warehouse_id == warehouse_id, Shipment.status == "packed", Shipment.carrier == carrier)
            .order_by(Shipment.id)
            .limit(limit)
        )
    )


def orders_by_wave(wave_ids: Sequence[int]) -> Select:
    """(wave id, order id) once per order released into one of the waves."""
    return (
        select(Shipment.wave_id, ShipmentLine.order_id)
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(Shipment.wave_id.in_(wave_ids))
        .distinct()
    )


def allocated_orders(session: Session, warehouse_id: int) -> list[tuple[int, int]]:
    """(shipment id, order id) once per order with lines in an allocated shipment of the warehouse."""
    return [(r[0], r[1]) for r in session.execute(_allocated_orders(warehouse_id).distinct())]


def allocated_order_ids(warehouse_id: int) -> Select[int]:
    """The ids of the orders in ``allocated_orders`` (a query, for use in another)."""
    return _allocated_orders(warehouse_id).with_only_columns(ShipmentLine.order_id)


def _allocated_orders(warehouse_id: int) -> Select[int, int]:
    return (
        select(Shipment.id, ShipmentLine.order_id)
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(Shipment.warehouse_id == warehouse_id, Shipment.status == "allocated")
    )
