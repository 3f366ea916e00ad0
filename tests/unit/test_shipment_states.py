"""Shipment states: the transition table and its check, without a database."""

from __future__ import annotations

import ast
import inspect

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms.allocation import shipment_states
from wms.allocation.shipment_states import FINAL, FIRST, STATUSES, TRANSITIONS, check_transition
from wms.errors import Conflict

status = st.sampled_from(STATUSES)


def reachable(start: str, table: dict[str, frozenset[str]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in table[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_the_table_covers_every_status_and_nothing_else() -> None:
    assert set(TRANSITIONS) == set(STATUSES)
    assert all(targets <= set(STATUSES) for targets in TRANSITIONS.values())
    assert FIRST in STATUSES and set(FINAL) <= set(STATUSES)


def test_no_status_leads_to_itself() -> None:
    """Staying where it is is no transition (``shipments.transition`` does nothing then)."""
    assert all(s not in TRANSITIONS[s] for s in STATUSES)


def test_final_states_have_no_exits_and_the_others_have_some() -> None:
    assert {s for s in STATUSES if not TRANSITIONS[s]} == set(FINAL)


def test_every_status_is_reachable_from_the_first() -> None:
    assert reachable(FIRST, TRANSITIONS) == set(STATUSES)


def test_shipped_is_reachable_only_through_packed() -> None:
    without_packed = {s: targets - {"packed"} for s, targets in TRANSITIONS.items()}
    assert "shipped" not in reachable(FIRST, without_packed)
    assert {s for s in STATUSES if "shipped" in TRANSITIONS[s]} == {"packed"}


def test_every_open_shipment_can_still_be_cancelled() -> None:
    assert all("cancelled" in TRANSITIONS[s] for s in STATUSES if s not in FINAL)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("allocated", "released"),  # a wave claims it
        ("released", "allocated"),  # the wave failed
        ("released", "picked"),  # every unit at packing
        ("picked", "packed"),
        ("packed", "picked"),  # parcels voided
        ("packed", "shipped"),
        ("allocated", "cancelled"),  # its orders released
        ("released", "cancelled"),  # emptied by a short pick, or its order withdrawn
    ],
)
def test_what_the_floor_does_is_allowed(current: str, target: str) -> None:
    check_transition(current, target)


@given(status, status)
def test_check_raises_exactly_when_the_table_has_no_such_step(current: str, target: str) -> None:
    if target in TRANSITIONS[current]:
        check_transition(current, target)
    else:
        with pytest.raises(Conflict) as raised:
            check_transition(current, target)
        assert raised.value.code == "illegal_shipment_transition"
        assert raised.value.details == {"from": current, "to": target}


@given(st.lists(status, max_size=30))
def test_a_walk_of_legal_steps_never_leaves_a_final_state(targets: list[str]) -> None:
    current, seen = FIRST, [FIRST]
    for target in targets:
        try:
            check_transition(current, target)
        except Conflict:
            continue
        current = target
        seen.append(current)
    finals = [k for k, s in enumerate(seen) if s in FINAL]
    assert not finals or finals[0] == len(seen) - 1
    assert "shipped" not in seen or seen[seen.index("shipped") - 1] == "packed"


def test_the_rules_are_pure() -> None:
    """No database, no web: the module imports only the domain errors."""
    tree = ast.parse(inspect.getsource(shipment_states))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported == {"__future__", "wms.errors"}
