"""Waves, their pick lists (one cart trip each) and the stops in walking order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wms.orm import Base, BigId, UTCDateTime, utcnow


class Wave(Base):
    __tablename__ = "waves"
    __table_args__ = (Index("ix_waves_status_lease", "status", "lease_until"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # planning, planned, failed
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    total_distance_m: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str | None] = mapped_column(String(30))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a worker is planning it until then
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the client's id of the request that created the wave (its Idempotency-Key), so a retry finds it
    request_ref: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)


class PickList(Base):
    __tablename__ = "pick_lists"
    __table_args__ = (UniqueConstraint("wave_id", "seq"), Index("ix_pick_lists_queue", "warehouse_id", "status"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    seq: Mapped[int]
    distance_m: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))  # open, claimed, picked, delivered
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cart_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))  # the cart, once claimed
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the cart reached the packing station


class PickListStop(Base):
    __tablename__ = "pick_list_stops"
    __table_args__ = (UniqueConstraint("pick_list_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_lists.id"), index=True)
    seq: Mapped[int]
    # the reservation the stop picks; None once a short pick took every unit of it away
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("allocations.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, picked, short
    picked_quantity: Mapped[int | None]
    short_reason: Mapped[str | None] = mapped_column(String(30))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    replaces_stop_id: Mapped[int | None] = mapped_column(ForeignKey("pick_list_stops.id"))  # re-allocated shortfall
