"""The webhooks section of the OpenAPI document: what a receiver gets for each event type of the catalog.

(No ``from __future__ import annotations`` here: FastAPI reads the receiver's annotations, which name a
model made at run time.)
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Header, Response

from wms.api.guide import EVENTS_TAG
from wms.events.catalog import EVENT_TYPES, EventType

DELIVERY = """Every event is POSTed, as the JSON body below, to every active webhook (`POST /v1/webhooks`),
in `seq` order and at least once: a receiver drops an `id` it has seen (as the order is kept, it may as well
drop any `seq` not above the last one it processed). A 2xx within 10 s acknowledges the event, and only then
is the next one sent; anything else is retried after a random wait (full jitter) whose window starts at
0.1 s and doubles with each failure in a row up to 60 s, while later events wait. A success ends the
failure streak. A webhook is paused (`active: false` in `GET /v1/webhooks`) only after 12 failures in a
row spread over at least 24 h; `POST /v1/webhooks/{id}/resume` brings it back from the event it stopped
at. (Defaults; the server's `WMS_WEBHOOK_*` settings may differ.) A slow receiver delays only its own
webhook. The same events can be polled with `GET /v1/events?after=<seq>`."""

SIGNATURE = """`t=<unix seconds>,v1=<hex HMAC-SHA256>`: the HMAC of `"<t>." + raw body` with the webhook's
secret. Recompute it over the raw bytes before parsing, compare in constant time, and refuse a `t` more
than a few minutes old (a replayed request)."""


def _receiver(event_type: EventType) -> Callable[..., None]:
    envelope = event_type.envelope

    def receive(
        event: envelope,  # type: ignore[valid-type]
        signature: Annotated[str, Header(alias="X-WMS-Signature", description=SIGNATURE)],
        event_id: Annotated[str, Header(alias="X-WMS-Event-Id", description="The event's `id`.")],
        kind: Annotated[str, Header(alias="X-WMS-Event-Type", description=f"`{event_type.name}`.")],
    ) -> None:
        """What your endpoint receives."""

    return receive


def document_events(app: FastAPI) -> None:
    """One webhook per event type of ``wms.events.catalog``, its body the envelope with that payload."""
    for event_type in EVENT_TYPES.values():
        app.webhooks.add_api_route(
            event_type.name,
            _receiver(event_type),
            methods=["POST"],
            tags=[EVENTS_TAG],
            operation_id=f"event_{event_type.name.replace('.', '_')}",
            summary=event_type.summary,
            description=DELIVERY,
            response_class=Response,
            response_description="Any 2xx acknowledges the event.",
            responses={"default": {"description": "Anything else, or no answer within 10 s: sent again later."}},
        )
