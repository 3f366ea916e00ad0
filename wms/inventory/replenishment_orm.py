"""Pick faces (a minimum and maximum of an item at a location) and the replenishment tasks that refill them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wms.orm import Base, BigId, UTCDateTime, utcnow


class PickFace(Base):
    __tablename__ = "pick_faces"
    __table_args__ = (
        UniqueConstraint("location_id", "item_id"),
        CheckConstraint("min_quantity >= 0 AND max_quantity > min_quantity", name="min_below_max"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    min_quantity: Mapped[int]
    max_quantity: Mapped[int]


class ReplenishmentTask(Base):
    __tablename__ = "replenishment_tasks"
    __table_args__ = (Index("ix_replenishment_tasks_queue", "warehouse_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    pick_face_id: Mapped[int] = mapped_column(ForeignKey("pick_faces.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[int]  # up to the pick face's maximum when the task was made
    status: Mapped[str] = mapped_column(String(20))  # open, claimed, done, cancelled
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    moved: Mapped[int | None]
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("stock_operations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
