"""Bodies of the event feed and of webhooks."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from wms.api.pagination import Page
from wms.commands import Command
from wms.events.catalog import EventEnvelope
from wms.fields import HttpUrl, Secret


class EventOut(EventEnvelope):
    """An event; its `payload` for each `type` is in the webhooks section of this document."""


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None
    last_seq: int


class CreateWebhook(Command):
    url: HttpUrl
    secret: Secret | None = None


class WebhookOut(BaseModel):
    id: int
    url: str
    active: bool
    delivered_seq: int
    attempts: int
    failing_since: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None


class WebhookCreated(WebhookOut):
    secret: str


class WebhookPage(Page[WebhookOut]):
    pass
