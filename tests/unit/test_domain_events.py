"""In-process domain events: handlers run in order on the publisher's session; nothing handled is an error."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from wms.events import domain
from wms.orders import events as order_events
from wms.wiring import install


@dataclasses.dataclass(frozen=True)
class Pinged:
    n: int


def test_handlers_run_in_order_once_each_on_the_session() -> None:
    seen: list[tuple[Any, str, int]] = []

    def first(session: Any, event: Pinged) -> None:
        seen.append((session, "first", event.n))

    def second(session: Any, event: Pinged) -> None:
        seen.append((session, "second", event.n))

    domain.subscribe(Pinged, first)
    domain.subscribe(Pinged, second)
    domain.subscribe(Pinged, first)  # again: still once
    session = object()
    domain.publish(session, Pinged(7))  # type: ignore[arg-type]
    assert seen == [(session, "first", 7), (session, "second", 7)]


def test_an_event_nobody_handles_is_an_error() -> None:
    @dataclasses.dataclass(frozen=True)
    class Unheard:
        pass

    with pytest.raises(RuntimeError, match="nothing handles Unheard"):
        domain.publish(object(), Unheard())  # type: ignore[arg-type]


def test_every_order_event_has_a_handler_once_wired() -> None:
    install()
    install()  # idempotent
    published = [c for _, c in inspect.getmembers(order_events, inspect.isclass) if dataclasses.is_dataclass(c)]
    assert len(published) == 3
    for event_type in published:
        assert domain._handlers[event_type], event_type.__name__
    counts = {t.__name__: len(domain._handlers[t]) for t in published}
    assert counts == {"OrderLeavingFloor": 2, "OrderLeftFloor": 1, "OrderNeedsNewLabel": 1}
