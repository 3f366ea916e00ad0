"""Imports every table so that ``Base.metadata`` is complete (Alembic, tests)."""

from wms.allocation.orm import Allocation, Shipment, ShipmentLine, ShipmentTransition
from wms.auth.orm import ApiKey
from wms.batches.orm import Lot
from wms.events.orm import OutboxCounter, OutboxEvent, Webhook, WebhookDelivery
from wms.idempotency_orm import IdempotencyRecord
from wms.inventory.orm import (
    CycleCount,
    CycleCountLine,
    Item,
    Location,
    Stock,
    StockMovement,
    StockOperation,
    Warehouse,
)
from wms.inventory.replenishment_orm import PickFace, ReplenishmentTask
from wms.orders.orm import (
    IntakeJob,
    IntakeJobResult,
    Order,
    OrderLine,
    OrderProblem,
    OrderTransition,
    PendingOrderMessage,
)
from wms.orm import Base
from wms.picking.orm import PickList, PickListStop, Wave
from wms.shipping.orm import Parcel
from wms.shipping.returns_orm import Return, ReturnLine

__all__ = [
    "Allocation",
    "ApiKey",
    "Base",
    "CycleCount",
    "CycleCountLine",
    "IdempotencyRecord",
    "IntakeJob",
    "IntakeJobResult",
    "Item",
    "Location",
    "Lot",
    "Order",
    "OrderLine",
    "PickList",
    "PickListStop",
    "Wave",
    "OrderProblem",
    "OrderTransition",
    "OutboxCounter",
    "OutboxEvent",
    "Parcel",
    "PendingOrderMessage",
    "PickFace",
    "ReplenishmentTask",
    "Return",
    "ReturnLine",
    "Shipment",
    "ShipmentLine",
    "ShipmentTransition",
    "Stock",
    "StockMovement",
    "StockOperation",
    "Warehouse",
    "Webhook",
    "WebhookDelivery",
]
