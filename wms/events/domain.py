"""In-process domain events: how a lower context lets the contexts above it react, without importing them.

The outbox (``wms.events.outbox``) tells the world outside after a commit; these tell the code inside,
at once, in the same transaction. A context publishes a small frozen dataclass it owns (``wms.orders.events``)
with the session of its unit of work; the handlers that contexts above it registered run in order, on that
session, before ``publish`` returns, so what they change commits or rolls back with the rest.

Handlers are registered once per process by the composition root (``wms.wiring.install``: the API, the
CLI, the demo and the tests call it). An event nobody handles is a wiring mistake, never a silent no-op:
``publish`` raises.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

E = TypeVar("E")
Handler = Callable[[Session, Any], None]

_handlers: dict[type, list[Handler]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[Session, E], None]) -> None:
    """Run ``handler`` for every ``event_type`` published (once, however often it is subscribed)."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def publish(session: Session, event: object) -> None:
    handlers = _handlers.get(type(event))
    if not handlers:
        raise RuntimeError(f"nothing handles {type(event).__name__}: call wms.wiring.install() at start-up")
    for handler in handlers:
        handler(session, event)
