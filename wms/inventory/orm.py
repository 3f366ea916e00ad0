"""Tables of the inventory context: warehouses, locations, items, stock, ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wms.orm import Base, BigId, UTCDateTime, utcnow


class Warehouse(Base):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    layout: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "code"),
        Index("ix_locations_warehouse_aisle_bay", "warehouse_id", "aisle", "bay"),
        Index("ix_locations_warehouse_kind", "warehouse_id", "kind"),  # the special locations (by kind)
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # storage, receiving, packing, shipping, quarantine
    aisle: Mapped[int | None]
    bay: Mapped[int | None]
    level: Mapped[int | None]
    side: Mapped[str | None] = mapped_column(String(1))
    x_m: Mapped[float] = mapped_column(Float)
    y_m: Mapped[float] = mapped_column(Float)


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (CheckConstraint("min_shelf_life_days >= 0", name="shelf_life_nonneg"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    min_shelf_life_days: Mapped[int] = mapped_column(default=0)
    unit_volume_l: Mapped[float | None] = mapped_column(Float)
    unit_weight_kg: Mapped[float | None] = mapped_column(Float)
    barcode: Mapped[str | None] = mapped_column(String(64), unique=True)  # EAN/UPC: scanned instead of the SKU
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Stock(Base):
    """On hand and reserved per (location, lot); the lot fixes the item."""

    __tablename__ = "stock"
    __table_args__ = (
        UniqueConstraint("location_id", "lot_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_nonneg"),
        CheckConstraint("reserved >= 0", name="reserved_nonneg"),
        CheckConstraint("reserved <= on_hand", name="reserved_le_on_hand"),
        Index("ix_stock_warehouse_item", "warehouse_id", "item_id"),
        Index("ix_stock_item_id", "item_id"),  # allocation looks across warehouses
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)


class StockOperation(Base):
    """One receipt, move, adjustment or posted count: the ledger rows' document."""

    __tablename__ = "stock_operations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockMovement(Base):
    """The append-only stock ledger: one row per change of on-hand quantity."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_nonzero"),
        Index("ix_stock_movements_warehouse_id_id", "warehouse_id", "id"),
        Index("ix_stock_movements_location_lot", "location_id", "lot_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("stock_operations.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(100))


COUNT_ACTIVE = ("open", "counted")  # a count not yet posted or cancelled


class CycleCount(Base):
    __tablename__ = "cycle_counts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[str] = mapped_column(String(20))  # open, counted, posted, cancelled
    reason: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counted_by: Mapped[str | None] = mapped_column(String(100))
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("stock_operations.id"))


class CycleCountLine(Base):
    __tablename__ = "cycle_count_lines"
    __table_args__ = (
        UniqueConstraint("count_id", "lot_id"),
        CheckConstraint("counted >= 0", name="counted_nonneg"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("cycle_counts.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    expected: Mapped[int]
    counted: Mapped[int]
