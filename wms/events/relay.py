"""Delivering outbox events to webhooks: signed, in order, at least once, each webhook on its own.

A dispatcher thread leases due webhooks (``claims.claim_due``) and hands each to a small thread pool
(``webhook_concurrency`` threads): one turn per webhook, one event in flight per webhook, N webhooks at
once, every request bounded by ``webhook_timeout_s``. A slow or failing receiver holds only its own turn.

A turn sends the webhook's events in ``seq`` order, each only after the one before was acknowledged
(2xx), and ends at the first failure (the head event is retried when its backoff is over), when the
webhook is paused or deleted, when it has nothing more, or after ``TURN_S`` (then others get a turn).
No database lock is held while a receiver is called; the lease keeps other relays away.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from wms.config import Settings
from wms.events import claims, outbox
from wms.events.claims import Claim
from wms.events.orm import OutboxEvent
from wms.events.schedule import RetryPolicy
from wms.orm import utcnow
from wms.periodic import PassLog

log = logging.getLogger(__name__)
BATCH = 50  # events read at once
TURN_S = 10.0  # a turn yields after this long, so that a webhook with a backlog does not keep a thread
MIN_WAIT_S = 0.005
MAX_ANSWER = 64 * 1024


def event_body(e: OutboxEvent) -> dict[str, Any]:
    return {
        "id": e.event_id,
        "seq": e.seq,
        "type": e.type,
        "payload": e.payload,
        "created_at": e.created_at.isoformat(),
    }


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`` (the receiver recomputes it)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def post_event(client: httpx.Client, claim: Claim, e: OutboxEvent, timeout_s: float) -> tuple[int | None, str | None]:
    """(status, error): error is None for a 2xx. The status counts; of the answer's body at most
    ``MAX_ANSWER`` bytes are read, for at most ``timeout_s`` (a receiver cannot hold the relay by trickling).
    Any failure to send (an unusable URL included) is an error of this attempt, never an exception."""
    body = json.dumps(event_body(e), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "X-WMS-Event-Id": e.event_id,
        "X-WMS-Event-Type": e.type,
        "X-WMS-Signature": sign(claim.secret, int(time.time()), body),
    }
    started, size, status = time.monotonic(), 0, None
    try:
        with client.stream("POST", claim.url, content=body, headers=headers) as response:
            status = response.status_code
            for chunk in response.iter_raw():  # read to the end, so that the connection can be used again
                size += len(chunk)
                if size > MAX_ANSWER or time.monotonic() - started > timeout_s:
                    break
    except Exception as exc:
        if status is None:  # no answer; once the status is in, a broken body changes nothing
            return None, f"{type(exc).__name__}: {exc}"[:500]
    return status, None if 200 <= status < 300 else f"HTTP {status}"


def post_within(
    calls: ThreadPoolExecutor,
    client: httpx.Client,
    claim: Claim,
    e: OutboxEvent,
    timeout_s: float,
    open_requests: dict[int, Future[tuple[int | None, str | None]]],
) -> tuple[int | None, str | None]:
    """``post_event`` with a deadline on the whole request: httpx bounds each read and write, not their sum,
    so a receiver trickling its answer could hold the turn, and outlive the lease. Past the deadline the
    attempt has failed and the request is left to end at its next read timeout; until it has, the
    webhook's next attempts fail at once, so a trickling receiver holds one of ``calls``' threads, not all."""
    previous = open_requests.get(claim.webhook_id)
    if previous is not None and not previous.done():
        return None, "the receiver has not finished answering the previous request"
    future = calls.submit(post_event, client, claim, e, timeout_s)
    open_requests[claim.webhook_id] = future
    try:
        return future.result(timeout=timeout_s + 1)
    except FutureTimeout:
        return None, f"no answer within {timeout_s:g} s"


class WebhookRelay:
    """Delivers due events until stopped; looks for work every ``interval_s`` at the latest."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        read_factory: sessionmaker[Session] | None = None,
        interval_s: float = 1.0,
        concurrency: int = 8,
        timeout_s: float = 10.0,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._factory, self._interval, self._concurrency = factory, interval_s, concurrency
        self._read = read_factory or factory  # looks that write nothing (on SQLite: no write lock)
        self._timeout = timeout_s
        self.lease_s = 2 * timeout_s + 30  # a request, the writes around it, and room for a slow database
        self._policy = policy or RetryPolicy()
        self._client = httpx.Client(timeout=timeout_s, limits=httpx.Limits(max_connections=2 * concurrency))
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="webhook")
        self._calls = ThreadPoolExecutor(2 * concurrency, thread_name_prefix="webhook-call")  # see post_within
        self._open: dict[int, Future[tuple[int | None, str | None]]] = {}  # each webhook's last request
        self._pass_log = PassLog("webhook-relay")
        self._busy: set[int] = set()
        self._lock = threading.Lock()
        self._stop, self._wake = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-relay", daemon=True)
        self._unlisten: Callable[[], None] = lambda: None

    @classmethod
    def from_settings(
        cls, factory: sessionmaker[Session], read_factory: sessionmaker[Session], settings: Settings
    ) -> WebhookRelay:
        return cls(
            factory,
            read_factory=read_factory,
            interval_s=settings.webhook_relay_interval_s,
            concurrency=settings.webhook_concurrency,
            timeout_s=settings.webhook_timeout_s,
            policy=RetryPolicy.from_settings(settings),
        )

    def start(self) -> None:
        self._unlisten = outbox.on_events_committed(self._factory, self.wake)  # new events: look at once
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """No new turns; turns under way end after their current request; leases are released."""
        self._unlisten()
        self._stop.set()
        self._wake.set()
        self._thread.join(10)
        self._pool.shutdown(wait=True)
        self._calls.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                wait = self.dispatch()
                self._pass_log.succeeded()
            except Exception as exc:
                self._pass_log.failed(exc)
                wait = self._interval
            self._wake.wait(wait)

    def dispatch(self) -> float:
        """Lease due webhooks for the free threads and start their turns; seconds until the next look."""
        with self._lock:
            free = self._concurrency - len(self._busy)
        if free > 0 and claims.any_due(self._read):
            with self._lock:
                busy = set(self._busy)
            for claim in claims.claim_due(self._factory, free, self.lease_s, skip=busy):
                with self._lock:
                    self._busy.add(claim.webhook_id)
                self._pool.submit(self._turn, claim)
        now = utcnow()
        soonest = claims.next_due_at(self._read, now)
        until_due = (soonest - now).total_seconds() if soonest else self._interval
        return max(MIN_WAIT_S, min(self._interval, until_due))

    def _turn(self, claim: Claim) -> None:
        try:
            self._deliver(claim)
        except Exception:
            log.exception("webhook %s: turn failed", claim.webhook_id)
        finally:
            try:
                claims.release(self._factory, claim)
            except Exception:
                log.exception("webhook %s: lease not released", claim.webhook_id)
            with self._lock:
                self._busy.discard(claim.webhook_id)
            self.wake()  # a thread is free, and a failure may be due again before the dispatcher's next look

    def _deliver(self, claim: Claim) -> None:
        """Events in order while this turn may go on."""
        started, cursor, until = time.monotonic(), claim.delivered_seq, claim.until
        margin = timedelta(seconds=self._timeout + 5)
        while events := claims.pending_events(self._read, cursor, BATCH):
            for e in events:
                if self._stop.is_set() or time.monotonic() - started > TURN_S:
                    return  # the rest in a later turn
                if until - utcnow() < margin:  # the writes were slow: no request the lease may not cover
                    return
                status, error = post_within(self._calls, self._client, claim, e, self._timeout, self._open)
                if error is None:
                    outcome = claims.record_success(self._factory, claim, e.seq, status or 0, self.lease_s)
                else:
                    log.warning("webhook %s: event %s not delivered (%s)", claim.url, e.seq, error)
                    outcome = claims.record_failure(
                        self._factory, claim, e.seq, status, error, self.lease_s, self._policy
                    )
                if outcome is None or error is not None or not outcome.active:
                    return  # lease lost or webhook deleted; a failure (retried when due); or paused
                cursor, until = e.seq, outcome.until
