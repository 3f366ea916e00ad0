"""The webhook relay against real HTTP receivers, with small backoff settings: a success ends the failure
streak, a slow receiver delays only itself, events arrive in order with one in flight per webhook (also
with two relays on one database), a long streak pauses the webhook and resuming redelivers from there."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, text

from tests.conftest import Backend
from tests.webhook_receiver import Receiver
from wms.db import make_session_factory
from wms.events import claims, outbox, webhooks
from wms.events.orm import Webhook
from wms.events.relay import WebhookRelay
from wms.events.schedule import RetryPolicy

QUICK = RetryPolicy(initial_s=0.01, max_s=0.05, pause_after_failures=1000, pause_after_s=3600)


def add_events(backend: Backend, n: int) -> list[int]:
    factory = make_session_factory(backend.engine)
    with factory() as s:
        for i in range(n):
            outbox.record(s, "order.status_changed", {"order_id": i, "to": "ready"})
        s.commit()
    with backend.engine.connect() as conn:
        return list(conn.execute(text("SELECT seq FROM outbox_events ORDER BY seq")).scalars())


def add_webhook(backend: Backend, url: str) -> int:
    return webhooks.create_webhook(backend.uow(), url, "s" * 20, from_start=True)["id"]


def hook(backend: Backend, webhook_id: int) -> Webhook:
    with make_session_factory(backend.engine)() as s:
        return s.scalars(select(Webhook).where(Webhook.id == webhook_id)).one()


@contextmanager
def relays(
    backend: Backend, n: int = 1, policy: RetryPolicy = QUICK, timeout_s: float = 2.0, concurrency: int = 4
) -> Iterator[list[WebhookRelay]]:
    started = [
        WebhookRelay(
            make_session_factory(backend.engine),
            interval_s=0.05,
            concurrency=concurrency,
            read_factory=make_session_factory(backend.engine, read_only=True),
            timeout_s=timeout_s,
            policy=policy,
        )
        for _ in range(n)
    ]
    for r in started:
        r.start()
    try:
        yield started
    finally:
        for r in started:
            r.stop()


def wait_until(predicate, timeout_s: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout_s
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.02)


def assert_in_order(taken: list[int], expected: list[int]) -> None:
    """At least once, in order: nothing arrives before every event before it arrived."""
    seen: list[int] = []
    for seq in taken:
        assert seq in seen or seq == expected[len(seen)], f"{seq} arrived before {expected[len(seen)]}"
        if seq not in seen:
            seen.append(seq)
    assert seen == expected


def test_a_success_ends_the_failure_streak(backend: Backend) -> None:
    receiver = Receiver()
    once = receiver.endpoint("once", lambda seq, nth: (500, 0) if nth == 0 else (204, 0))  # every event fails once
    seqs = add_events(backend, 12)
    webhook_id = add_webhook(backend, once)
    # pause after 2 failures in a row: a streak that did not end on success would pause at the second event
    try:
        with relays(backend, policy=RetryPolicy(0.01, 0.05, pause_after_failures=2, pause_after_s=0)):
            wait_until(lambda: hook(backend, webhook_id).delivered_seq == seqs[-1])
    finally:
        receiver.close()
    h = hook(backend, webhook_id)
    assert (h.active, h.attempts, h.failing_since, h.next_attempt_at, h.last_error) == (True, 0, None, None, None)
    assert [c.seq for c in receiver.endpoints["once"].calls] == [s for s in seqs for _ in (1, 2)]
    assert receiver.endpoints["once"].taken() == seqs


def test_the_streak_is_counted_in_the_database_and_a_success_clears_it(backend: Backend) -> None:
    seqs = add_events(backend, 3)
    webhook_id = add_webhook(backend, "http://127.0.0.1:9/never-called")
    factory = make_session_factory(backend.engine)
    # full jitter: the backoff is uniform in [0, 1 h], so it cannot run out before the last claim below
    policy = RetryPolicy(3600, 3600, pause_after_failures=100, pause_after_s=0)
    [claim] = claims.claim_due(factory, 5, lease_s=60)
    assert claims.claim_due(factory, 5, lease_s=60) == []  # leased: nobody else gets it
    for _ in range(2):
        assert claims.record_failure(factory, claim, seqs[0], 500, "HTTP 500", 60, policy).active
    failing = hook(backend, webhook_id)
    assert failing.attempts == 2 and failing.failing_since is not None and failing.next_attempt_at is not None
    assert claims.record_success(factory, claim, seqs[0], 204, 60).active
    assert claims.record_failure(factory, claim, seqs[1], None, "ConnectError", 60, policy).active
    after = hook(backend, webhook_id)
    assert (after.delivered_seq, after.attempts) == (seqs[0], 1)  # 1, not 3
    assert after.failing_since > failing.failing_since
    claims.release(factory, claim)
    stale = claim
    assert claims.record_success(factory, stale, seqs[1], 204, 60) is None  # a lost lease writes nothing
    assert hook(backend, webhook_id).delivered_seq == seqs[0]
    assert claims.claim_due(factory, 5, lease_s=60) == []  # backing off
    assert claims.claim_due(factory, 5, lease_s=60, now=after.next_attempt_at)[0].delivered_seq == seqs[0]


def test_a_slow_receiver_delays_only_itself(backend: Backend) -> None:
    receiver = Receiver()
    slow = receiver.endpoint("slow", lambda seq, nth: (204, 1.5) if seq % 2 else (204, 0.6))  # 1.5 s: timed out
    healthy = receiver.endpoint("healthy")
    slow_id, healthy_id = add_webhook(backend, slow), add_webhook(backend, healthy)
    try:
        with relays(backend, timeout_s=1.0):
            time.sleep(0.3)  # both idle, the relay running
            t0 = time.time()
            seqs = add_events(backend, 20)
            wait_until(lambda: len(receiver.endpoints["healthy"].taken()) == 20, timeout_s=10)
            healthy_done = time.time() - t0
            slow_calls = len(receiver.endpoints["slow"].calls)
    finally:
        receiver.close()
    assert receiver.endpoints["healthy"].taken() == seqs
    assert healthy_done < 3.0 and slow_calls <= 4  # 20 events while the slow one had a few calls (in turn: > 20 s)
    assert hook(backend, slow_id).delivered_seq < seqs[-1] and hook(backend, healthy_id).attempts == 0


def test_two_relays_keep_one_event_in_flight_per_webhook_and_the_order(backend: Backend) -> None:
    """Two relays on one database (two server processes): a receiver failing half the time still gets
    every event, in order, never two at once, none twice."""
    receiver = Receiver()
    rng, lock = random.Random(7), threading.Lock()

    def flaky(_seq: int, _nth: int) -> tuple[int, float]:
        with lock:
            return (500, 0.0) if rng.random() < 0.5 else (204, rng.choice([0.0, 0.0, 0.02]))

    urls = [receiver.endpoint(f"h{i}", flaky) for i in range(3)]
    for url in urls:
        add_webhook(backend, url)
    seqs = add_events(backend, 25)
    try:
        with relays(backend, n=2, concurrency=2):
            wait_until(lambda: all(len(set(e.taken())) == len(seqs) for e in receiver.endpoints.values()), 60)
    finally:
        receiver.close()
    for endpoint in receiver.endpoints.values():
        assert endpoint.max_in_flight == 1
        assert endpoint.taken() == seqs  # in order and, with answers within the timeout, none twice
        assert len(endpoint.calls) > len(seqs)  # there were failures


def test_a_long_streak_pauses_and_resume_redelivers_from_where_it_stopped(backend: Backend) -> None:
    receiver = Receiver()
    down = threading.Event()
    down.set()
    url = receiver.endpoint("erp", lambda seq, nth: (503, 0) if down.is_set() else (204, 0))
    first = add_events(backend, 3)
    webhook_id = add_webhook(backend, url)
    policy = RetryPolicy(0.01, 0.05, pause_after_failures=3, pause_after_s=0)
    try:
        with relays(backend, policy=policy):
            wait_until(lambda: not hook(backend, webhook_id).active)
            time.sleep(0.3)
            paused = hook(backend, webhook_id)
            assert (paused.attempts, paused.delivered_seq, paused.last_error) == (3, 0, "HTTP 503")
            assert len(receiver.endpoints["erp"].calls) == 3 and paused.failing_since is not None
            down.clear()
            everything = first + add_events(backend, 2)[len(first) :]
            time.sleep(0.3)
            assert len(receiver.endpoints["erp"].calls) == 3  # paused: nothing is sent
            resumed = webhooks.resume_webhook(backend.uow(), webhook_id)
            assert (resumed["active"], resumed["attempts"], resumed["failing_since"]) == (True, 0, None)
            wait_until(lambda: hook(backend, webhook_id).delivered_seq == everything[-1])
    finally:
        receiver.close()
    assert receiver.endpoints["erp"].taken() == everything


def test_many_quick_failures_do_not_pause_before_the_pause_time(backend: Backend) -> None:
    receiver = Receiver()
    url = receiver.endpoint("down", lambda seq, nth: (500, 0))
    add_events(backend, 1)
    webhook_id = add_webhook(backend, url)
    try:
        with relays(backend, policy=RetryPolicy(0.01, 0.02, pause_after_failures=3, pause_after_s=3600)):
            wait_until(lambda: hook(backend, webhook_id).attempts >= 8)
    finally:
        receiver.close()
    assert hook(backend, webhook_id).active


def test_the_streak_survives_a_restart_of_the_relay(backend: Backend) -> None:
    receiver = Receiver()
    url = receiver.endpoint("down", lambda seq, nth: (500, 0))
    add_events(backend, 1)
    webhook_id = add_webhook(backend, url)
    try:
        with relays(backend):
            wait_until(lambda: hook(backend, webhook_id).attempts >= 2)
        before = hook(backend, webhook_id)
        policy = RetryPolicy(0.01, 0.05, pause_after_failures=before.attempts + 1, pause_after_s=0)
        with relays(backend, policy=policy):  # another process, later: goes on counting, pauses at once
            wait_until(lambda: not hook(backend, webhook_id).active)
    finally:
        receiver.close()
    after = hook(backend, webhook_id)
    assert after.attempts == before.attempts + 1 and after.failing_since == before.failing_since
    assert len(receiver.endpoints["down"].calls) == after.attempts


def test_a_dead_relays_lease_lapses_and_another_takes_over(backend: Backend) -> None:
    receiver = Receiver()
    url = receiver.endpoint("erp")
    seqs = add_events(backend, 3)
    webhook_id = add_webhook(backend, url)
    [claim] = claims.claim_due(make_session_factory(backend.engine), 1, lease_s=1.0)  # then it "crashes"
    try:
        with relays(backend):
            time.sleep(0.5)
            assert receiver.endpoints["erp"].calls == []  # leased: the live relay keeps away
            wait_until(lambda: hook(backend, webhook_id).delivered_seq == seqs[-1], timeout_s=10)
    finally:
        receiver.close()
    assert receiver.endpoints["erp"].taken() == seqs
    assert claims.record_success(make_session_factory(backend.engine), claim, seqs[0], 204, 60) is None
