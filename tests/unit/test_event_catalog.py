"""Every event type the code emits is in the catalog (and so in the OpenAPI document), and only those."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import wms
from wms.events.catalog import EVENT_TYPES
from wms.events.outbox import record

OUTBOX = "wms.events.outbox"


def emitted_types() -> dict[str, list[str]]:
    """Event type → where it is emitted: every ``record(session, "<type>", …)`` of the outbox in ``wms/``."""
    found: dict[str, list[str]] = {}
    root = Path(wms.__file__).parent
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        names = {
            a.asname or a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module == OUTBOX
            for a in n.names
            if a.name == "record"
        }
        modules = {
            a.asname or "outbox"
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module == "wms.events"
            for a in n.names
            if a.name == "outbox"
        }
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            f = call.func
            if not (
                (isinstance(f, ast.Name) and f.id in names)
                or (
                    isinstance(f, ast.Attribute)
                    and f.attr == "record"
                    and isinstance(f.value, ast.Name)
                    and f.value.id in modules
                )
            ):
                continue
            where = f"{path.relative_to(root.parent)}:{call.lineno}"
            type_ = call.args[1] if len(call.args) > 1 else None
            assert isinstance(type_, ast.Constant) and isinstance(type_.value, str), (
                f"{where}: the event type must be a string literal, so that this test sees it"
            )
            found.setdefault(type_.value, []).append(where)
    return found


def test_every_emitted_event_type_is_in_the_catalog_and_every_catalogued_one_is_emitted() -> None:
    emitted = emitted_types()
    assert {t: w for t, w in emitted.items() if t not in EVENT_TYPES} == {}, "add these to wms/events/catalog.py"
    assert set(EVENT_TYPES) - set(emitted) == set(), "catalogued but never emitted"


def test_the_outbox_refuses_an_event_type_that_is_not_in_the_catalog() -> None:
    class Session:
        info: dict[str, object] = {}

    with pytest.raises(ValueError, match="not in wms.events.catalog"):
        record(Session(), "order.teleported", {"order_id": 1})  # type: ignore[arg-type]
    assert Session.info == {}


def test_each_event_type_has_a_payload_model_with_a_summary() -> None:
    for name, event_type in EVENT_TYPES.items():
        assert event_type.name == name and event_type.payload.__doc__, name
        envelope = event_type.envelope.model_json_schema()
        assert envelope["title"] == f"{event_type.payload.__name__}Event"
        assert envelope["properties"]["type"]["const"] == name
