"""The composition root of the domain events: which context above reacts to what a context below publishes.

Called once per process by everything that runs use cases (``create_app``, the CLI, the demo, the tests);
calling it again changes nothing.
"""

from __future__ import annotations

from wms.events.domain import subscribe
from wms.orders.events import OrderLeavingFloor, OrderLeftFloor, OrderNeedsNewLabel
from wms.picking.withdraw import settle, withdraw_from_floor
from wms.shipping.parcels import void_parcels


def install() -> None:
    subscribe(OrderLeavingFloor, withdraw_from_floor)
    subscribe(OrderLeavingFloor, void_parcels)
    subscribe(OrderLeftFloor, settle)
    subscribe(OrderNeedsNewLabel, void_parcels)
