"""Imports every table so that ``Base.metadata`` is complete (Alembic, tests)."""

from wms.api.idempotency_orm import IdempotencyRecord
from wms.auth.orm import ApiKey
from wms.batches.orm import Lot
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
from wms.orm import Base

__all__ = [
    "ApiKey", "Base", "CycleCount", "CycleCountLine", "IdempotencyRecord", "Item",
    "Location", "Lot", "Stock", "StockMovement", "StockOperation", "Warehouse",
]
