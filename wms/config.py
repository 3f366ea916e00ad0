"""One settings object for the whole service (environment prefix ``WMS_``)."""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///wms.db"


class CarrierRule(BaseModel):
    """Use ``carrier`` for a shipment to ``country`` (any when None) weighing at most ``max_weight_kg``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    carrier: str = Field(min_length=1, max_length=50)
    country: str | None = Field(None, min_length=2, max_length=2)
    max_weight_kg: float | None = Field(None, gt=0)


class Settings(BaseSettings):
    """Built once at start-up and passed down; nothing here connects to anything."""

    model_config = SettingsConfigDict(env_prefix="WMS_", extra="ignore", frozen=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL; the default is an SQLite file in the working directory.",
    )
    host: str = Field("127.0.0.1", min_length=1, description="Interface `wms serve` listens on (0.0.0.0: all).")
    port: int = Field(8000, ge=1, le=65535, description="TCP port `wms serve` listens on.")
    workers: int = Field(
        1, ge=1, le=64, description="API processes `wms serve` runs on its one socket (uvicorn's multi-process mode)."
    )
    leader_retry_s: float = Field(
        5.0,
        gt=0,
        le=3600,
        description="Seconds between a process's tries to become the leader that runs the wave sweeper and "
        "housekeeping (one process of all sharing the database), and between the leader's checks that it still is.",
    )
    redis_url: str | None = Field(None, description="redis://… ; optional, unused when empty.")
    wave_queue: str = Field(
        "wms-waves",
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="RQ queue of background jobs (waves, bulk pushes); give each install sharing a Redis its own.",
    )
    idempotency_ttl_hours: int = Field(
        48, ge=24, description="How long Idempotency-Keys are kept, and bulk push jobs after they finished."
    )
    idempotency_lease_s: float = Field(
        30.0,
        ge=1,
        le=3600,
        description="How long a request that has not "
        "answered holds its Idempotency-Key before a retry may take it over.",
    )
    db_retry_attempts: int = Field(8, ge=1, description="Retries of a transaction on deadlock/serialization failure.")
    max_locations_per_warehouse: int = Field(500_000, ge=1)
    merge_orders: bool = Field(True, description="Share one shipment between a customer's paid orders.")
    review_messages: bool = Field(True, description="Buyer messages and seller remarks need a person.")
    split_time_limit_s: float = Field(2.0, gt=0, description="CP-SAT time limit of one order split.")
    wave_sync_max_orders: int = Field(300, ge=0, description="Larger waves are planned in the background (202).")
    bulk_sync_max_orders: int = Field(
        1000, ge=1, description="Larger bulk pushes (POST /v1/orders/bulk) are taken in the background (202)."
    )
    wave_sweep_interval_s: float = Field(
        5.0,
        ge=0,
        description="Seconds between sweeps for background jobs (waves, bulk pushes) that no worker holds; 0 disables.",
    )
    webhook_relay_interval_s: float = Field(
        1.0, ge=0, description="Longest wait between the relay's looks for new events; 0 disables the relay."
    )
    webhook_concurrency: int = Field(8, ge=1, le=64, description="Webhooks one process delivers to at once.")
    webhook_timeout_s: float = Field(10.0, gt=0, le=120, description="Seconds a receiver has to answer a delivery.")
    webhook_backoff_initial_s: float = Field(
        0.1, gt=0, description="Window of the first retry; each failure in a row doubles it (full jitter)."
    )
    webhook_backoff_max_s: float = Field(60.0, gt=0, description="Cap of the retry window.")
    webhook_max_attempts: int = Field(
        12, ge=1, description="Failures in a row of one event before its webhook may be paused (see pause_after_s)."
    )
    webhook_pause_after_s: float = Field(
        86400.0,
        ge=0,
        description="A webhook is paused once its failure streak is this old and has webhook_max_attempts failures.",
    )
    carrier_rules: list[CarrierRule] = Field(
        default_factory=list,
        description='JSON list, tried in order for orders whose carrier is "auto", e.g. '
        '[{"carrier": "DHL", "country": "DE", "max_weight_kg": 31.5}, {"carrier": "UPS"}].',
    )
    default_carrier: str | None = Field(
        None,
        max_length=50,
        description='The carrier of an "auto" order that no carrier rule fits; unset: such an order cannot be packed.',
    )

    @model_validator(mode="after")
    def _backoff_window(self) -> Settings:
        if self.webhook_backoff_max_s < self.webhook_backoff_initial_s:
            raise ValueError("webhook_backoff_max_s must be at least webhook_backoff_initial_s")
        return self

    @field_validator("default_carrier", mode="before")
    @classmethod
    def _no_auto_default(cls, value: object) -> object:
        if isinstance(value, str) and value.strip() == "":
            return None  # WMS_DEFAULT_CARRIER= (empty) is unset
        if isinstance(value, str) and value.strip().lower() == "auto":
            raise ValueError('the default carrier must be a carrier, not "auto"')
        return value

    @cached_property
    def safe_database_url(self) -> str:
        """The database URL with its password hidden, for printing and logging."""
        try:
            return make_url(self.database_url).render_as_string(hide_password=True)
        except ArgumentError:
            return re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", self.database_url)

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
