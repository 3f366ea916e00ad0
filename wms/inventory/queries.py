"""Read side of the inventory within the context: which warehouse a cycle count or a receipt is in. Stock,
the ledger, operations and counts as clients see them (with their lots): ``wms.views.stock``,
``wms.views.counts``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import NotFound
from wms.inventory.orm import CycleCount, StockOperation, Warehouse
from wms.inventory.repository import warehouse_code_of


def count_warehouse(s: Session, count_id: int) -> str:
    return warehouse_code_of(
        s, CycleCount, count_id, NotFound(f"cycle count {count_id} not found", code="count_not_found")
    )


def receipt_warehouse(s: Session, receipt_id: int) -> str:
    code = s.scalar(
        select(Warehouse.code)
        .join(StockOperation, StockOperation.warehouse_id == Warehouse.id)
        .where(StockOperation.id == receipt_id, StockOperation.kind == "receipt")
    )
    if code is None:
        raise NotFound(f"receipt {receipt_id} not found", code="receipt_not_found")
    return code
