"""Tables of the orders context: orders, lines, history, problems, ERP messages, bulk pushes run as jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wms.orm import Base, BigId, UTCDateTime, utcnow


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_orders_status_ship_by", "status", "ship_by"),
        Index("ix_orders_merge_key", "merge_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(50))
    customer_id: Mapped[str] = mapped_column(String(100))
    ship_to: Mapped[dict[str, Any]] = mapped_column(JSON)
    address_version: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merge_key: Mapped[str] = mapped_column(String(64))
    carrier: Mapped[str] = mapped_column(String(50))
    carrier_version: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the carrier was last changed
    buyer_message: Mapped[str | None] = mapped_column(Text)
    seller_remark: Mapped[str | None] = mapped_column(Text)
    paid: Mapped[bool]
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promised_ship_by: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    ship_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    line_count: Mapped[int]
    unit_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    line_no: Mapped[int]
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[int]
    backordered: Mapped[int] = mapped_column(default=0)


class OrderTransition(Base):
    """Every status change of an order, with its time and cause."""

    __tablename__ = "order_transitions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    cause: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderProblem(Base):
    """A reason a person must look at an order, with its deadline."""

    __tablename__ = "order_problems"
    __table_args__ = (Index("ix_order_problems_open", "code", "resolved_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolution: Mapped[str | None] = mapped_column(String(500))


class PendingOrderMessage(Base):
    """An ERP message that arrived before its order; applied when the order comes."""

    __tablename__ = "pending_order_messages"
    __table_args__ = (Index("ix_pending_order_messages_order", "channel", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(100))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IntakeJob(Base):
    """A bulk push taken in the background (``wms.orders.intake_jobs``): the orders still to push, how far
    it got, and the lease of the worker pushing it."""

    __tablename__ = "intake_jobs"
    __table_args__ = (Index("ix_intake_jobs_status_lease", "status", "lease_until"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # queued, running, done, failed
    actor: Mapped[str] = mapped_column(String(100))
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)  # workflow.Policy of the request
    # the orders that passed validation, in request order: [{"index": n, "order": {...}}, ...]
    orders: Mapped[list[Any]] = mapped_column(JSON)
    pushed: Mapped[int] = mapped_column(default=0)  # how many of ``orders`` have their result (committed with them)
    total: Mapped[int]  # orders in the request, refused ones included
    processed: Mapped[int] = mapped_column(default=0)  # orders with a result
    created: Mapped[int] = mapped_column(default=0)
    existing: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)  # why a failed job failed
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a worker pushes it until then
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the client's id of the request that created the job (its Idempotency-Key), so a retry finds it
    request_ref: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)


class IntakeJobResult(Base):
    """The result of one order of a bulk push job, as the synchronous bulk push answers it."""

    __tablename__ = "intake_job_results"

    job_id: Mapped[int] = mapped_column(ForeignKey("intake_jobs.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)  # the order's index in the request
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
