"""Warehouse scope: the one place that decides whether a token may reach what a request names.

A token may be limited to one warehouse (``wms keys create --warehouse CODE``). What a request reaches is
read from the request itself, the same way for every operation, before its body is validated:

- each path parameter names a resource, and ``RESOURCES`` says in which warehouses it is;
- so do the top-level body fields ``warehouse`` and ``order_id`` and the query parameter ``warehouse``.

A token limited to warehouse W may read a resource that is in W, and change a resource (the path of a
POST or DELETE) only when it is in W alone: an order split across W and another warehouse is read, not
changed, with it. An order belongs to the warehouses of its live shipments
(``wms.views.orders.held_in``); one without (not reviewed, unpaid, wholly backordered, cancelled) is in
no warehouse, so only tokens for every warehouse reach it. Operations declared ``every_warehouse`` (order
intake and ERP messages, the event stream, webhooks, new warehouses and items) span all warehouses and
refuse a limited token outright. Lists are not refused: their queries are filtered by the token's
warehouse (``wms.api.deps.warehouse_filter``).

A refusal is a 403 ``warehouse_forbidden``; an unknown resource stays a 404, whoever asks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from wms.auth.keys import Principal
from wms.errors import Forbidden
from wms.fields import MAX_ID
from wms.inventory.queries import count_warehouse, receipt_warehouse
from wms.inventory.replenishment import task_warehouse
from wms.picking.pick_list_views import pick_list_warehouse
from wms.shipping.returns import return_warehouse
from wms.views.orders import order_warehouses
from wms.views.shipments import parcel_warehouse, shipment_warehouse
from wms.views.waves import wave_warehouse


@dataclass(frozen=True)
class Access:
    """Who may call an operation: its roles (admin always), and whether it spans every warehouse."""

    roles: tuple[str, ...]
    every_warehouse: bool = False


@dataclass(frozen=True)
class Reference:
    """Something a request names: a path, query or body parameter and its value; ``changed`` when the
    request changes it (the path of a POST or DELETE)."""

    name: str
    value: Any
    changed: bool = False


Resolver = Callable[[Session, Any], "frozenset[str] | None"]
_ID = TypeAdapter(int)


def _by_id(find: Callable[[Session, int], str | frozenset[str]]) -> Resolver:
    """A resolver of a resource by its id; None for a value that is no id (the request's validation answers)."""

    def resolve(session: Session, value: Any) -> frozenset[str] | None:
        try:
            row_id = _ID.validate_python(value)  # as lax as the route's own validation: "7" is 7
        except ValidationError:
            return None
        if not 1 <= row_id <= MAX_ID:
            return None
        found = find(session, row_id)
        return found if isinstance(found, frozenset) else frozenset({found})

    return resolve


def _code(_: Session, value: Any) -> frozenset[str] | None:
    return frozenset({value}) if isinstance(value, str) else None


RESOURCES: dict[str, Resolver] = {
    "code": _code,
    "warehouse": _code,
    "order_id": _by_id(order_warehouses),
    "receipt_id": _by_id(receipt_warehouse),
    "count_id": _by_id(count_warehouse),
    "wave_id": _by_id(wave_warehouse),
    "pick_list_id": _by_id(pick_list_warehouse),
    "shipment_id": _by_id(shipment_warehouse),
    "parcel_id": _by_id(parcel_warehouse),
    "return_id": _by_id(return_warehouse),
    "task_id": _by_id(task_warehouse),
}

# Path parameters that are no warehouse's resource, and why. Any other path parameter must be in RESOURCES:
# a route with a parameter in neither is refused when the app is built, so no new resource goes unchecked.
UNSCOPED_PATH = {
    "sku": "items are master data shared by every warehouse",
    "webhook_id": "webhooks receive every warehouse's events: their operations declare every_warehouse",
    "problem_id": "a problem is part of its order (order_id), and its service checks that it is",
    "job_id": "a bulk push job is order intake, which spans every warehouse: its operations declare every_warehouse",
}
BODY_FIELDS = ("warehouse", "order_id")
QUERY_FIELDS = ("warehouse",)


def unscoped_path_parameters(names: Iterable[str]) -> list[str]:
    """The path parameters among ``names`` that no rule covers."""
    return [n for n in names if n not in RESOURCES and n not in UNSCOPED_PATH]


# Resources that stay in the warehouse they were made in (no operation moves a receipt, count, wave, pick list,
# shipment, return or task to another warehouse, none is ever deleted, and a warehouse's code never changes):
# where one was found once is where it is for good, so ``Settled`` remembers it. Not parcels: voiding a label
# deletes its parcel, and SQLite hands a deleted highest id out again, maybe to another warehouse's parcel.
# Not orders: an order is where its live shipments are, which changes.
SETTLED = frozenset({"receipt_id", "count_id", "wave_id", "pick_list_id", "shipment_id", "return_id", "task_id"})
_NO_DATABASE = frozenset({"code", "warehouse"})


class Settled:
    """Where settled resources (``SETTLED``) were found, per process, so that a warehouse-limited token's
    request about one needs no database read to be checked (a handheld's scans name the same pick list
    again and again). Only found resources are remembered: an unknown id is looked up, and answered 404,
    every time. At most ``size`` entries; when full it starts again."""

    def __init__(self, size: int = 100_000) -> None:
        self._size = size
        self._known: dict[tuple[str, int], frozenset[str]] = {}

    def known(self, references: list[Reference]) -> list[frozenset[str] | None] | None:
        """Where each of ``references`` is, when that is known without the database (a warehouse named by its
        code, a settled resource seen before); None when one of them needs a read."""
        reach: list[frozenset[str] | None] = []
        for ref in references:
            if ref.name in _NO_DATABASE:
                reach.append(RESOURCES[ref.name](None, ref.value))  # type: ignore[arg-type]
                continue
            key = self._key(ref)
            found = self._known.get(key) if key is not None else None  # one look-up: another thread may clear
            if found is None:
                return None
            reach.append(found)
        return reach

    def reach(self, session: Session, ref: Reference) -> frozenset[str] | None:
        key = self._key(ref)
        known = self._known.get(key) if key is not None else None
        if known is not None:
            return known
        found = RESOURCES[ref.name](session, ref.value)
        if key is not None and found is not None and self._size:
            if len(self._known) >= self._size:
                self._known.clear()
            self._known[key] = found
        return found

    @staticmethod
    def _key(ref: Reference) -> tuple[str, int] | None:
        if ref.name not in SETTLED:
            return None
        try:
            return ref.name, _ID.validate_python(ref.value)
        except ValidationError:
            return None


_REMEMBERS_NOTHING = Settled(0)


def check_scope(
    session: Session,
    principal: Principal,
    access: Access,
    references: Iterable[Reference],
    settled: Settled | None = None,
) -> None:
    """Refuse (403 ``warehouse_forbidden``) a warehouse-limited token what lies outside its warehouse. The
    references are looked up one after another, the first refusal ending it (an unknown one is a 404)."""
    resolver = settled or _REMEMBERS_NOTHING
    _decide(principal, access, ((ref, resolver.reach(session, ref)) for ref in references))


def check_known(
    principal: Principal, access: Access, references: list[Reference], reach: list[frozenset[str] | None]
) -> None:
    """``check_scope`` for references whose warehouses are known already (``Settled.known``)."""
    _decide(principal, access, zip(references, reach, strict=True))


def _decide(principal: Principal, access: Access, resolved: Iterable[tuple[Reference, frozenset[str] | None]]) -> None:
    home = principal.warehouse_code
    if home is None:
        return
    if access.every_warehouse:
        raise Forbidden(
            f"this token is limited to warehouse {home}; this operation spans every warehouse and "
            "needs a token that is not",
            code="warehouse_forbidden",
        )
    for ref, reach in resolved:
        if reach is None:
            continue
        if (reach != {home}) if ref.changed else (home not in reach):
            raise Forbidden(
                f"this token is limited to warehouse {home}: {ref.name} {str(ref.value)[:64]} is "
                f"{'not only' if ref.changed and home in reach else 'not'} in it",
                code="warehouse_forbidden",
                details={"parameter": ref.name},
            )
