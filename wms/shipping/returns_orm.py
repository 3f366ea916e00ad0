"""Returns received at the dock after shipping, line by line with what became of each unit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from wms.orm import Base, BigId, UTCDateTime, utcnow


class Return(Base):
    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    operation_id: Mapped[int] = mapped_column(ForeignKey("stock_operations.id"))
    received_by: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReturnLine(Base):
    __tablename__ = "return_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    quantity: Mapped[int]
    disposition: Mapped[str] = mapped_column(String(20))  # restock, quarantine, write_off
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))  # where the units went (write-off: RECEIVING)
    reason: Mapped[str | None] = mapped_column(String(200))
