"""Order states and their transitions (pure): what is allowed, where it ends, what can be reached."""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wms.errors import Conflict
from wms.orders.lifecycle import FINAL, OPEN, STATUSES, TRANSITIONS, check_transition, confirmed_status

ENTRY = "unconfirmed"  # every order enters here (workflow.enter)
statuses = st.sampled_from(STATUSES)


def reachable(start: str) -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in TRANSITIONS[todo.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_state_has_its_transitions_and_they_lead_to_states() -> None:
    assert set(TRANSITIONS) == set(STATUSES) and len(STATUSES) == len(set(STATUSES))
    assert all(targets <= set(STATUSES) for targets in TRANSITIONS.values())
    assert set(OPEN) <= set(STATUSES) and set(FINAL) <= set(STATUSES) and not set(OPEN) & set(FINAL)


def test_no_state_moves_to_itself() -> None:
    assert all(s not in TRANSITIONS[s] for s in STATUSES)


@settings(max_examples=100, deadline=None)
@given(statuses, statuses)
def test_a_transition_is_refused_exactly_when_it_is_not_listed(current: str, target: str) -> None:
    if target in TRANSITIONS[current]:
        check_transition(current, target)
        return
    with pytest.raises(Conflict) as refused:
        check_transition(current, target)
    assert refused.value.code == "illegal_transition"
    assert refused.value.details == {"from": current, "to": target}
    assert refused.value.message == f"an order that is {current} cannot become {target}"


def test_final_states_never_open_again() -> None:
    assert TRANSITIONS["refunded"] == frozenset()  # the end of every road
    for final in FINAL:
        assert not reachable(final) & set(OPEN), final
    assert reachable("cancelled") == {"cancelled", "refunded"}  # a refund after a cancel wins


def test_every_state_is_reachable_from_entry() -> None:
    assert reachable(ENTRY) == set(STATUSES)


def test_every_state_can_end() -> None:
    """No order is stuck: from any state some final state can be reached."""
    assert all(reachable(s) & set(FINAL) for s in STATUSES)


def test_shipping_is_the_only_way_out_of_the_open_states_but_cancel_and_refund() -> None:
    leaving = {(s, t) for s in OPEN for t in TRANSITIONS[s] if t not in OPEN}
    assert {t for _, t in leaving} == {"shipped", "cancelled", "refunded"}
    assert {s for s, t in leaving if t == "shipped"} == {"allocated"}
    # after shipping, nothing goes back to the floor
    assert not reachable("shipped") & (set(OPEN) | {"cancelled"})


def test_review_confirms_to_payment_or_to_ready() -> None:
    assert confirmed_status(True) == "ready" and confirmed_status(False) == "awaiting_payment"
    assert all(confirmed_status(paid) in TRANSITIONS[ENTRY] for paid in (True, False))


@settings(max_examples=100, deadline=None)
@given(st.lists(statuses, max_size=20))
def test_a_walk_of_checked_transitions_ends_where_the_graph_says(targets: list[str]) -> None:
    """Apply each wanted move if check_transition lets it: every state passed through is reachable from the
    entry, and once final the order never leaves the final states."""
    state, passed = ENTRY, [ENTRY]
    for target in targets:
        try:
            check_transition(state, target)
        except Conflict:
            continue
        state = target
        passed.append(state)
    assert all(s in reachable(ENTRY) for s in passed)
    first_final = next((k for k, s in enumerate(passed) if s in FINAL), None)
    if first_final is not None:
        assert all(s in FINAL for s in passed[first_final:])
