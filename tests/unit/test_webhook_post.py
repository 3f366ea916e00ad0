"""One delivery attempt: whatever goes wrong is an error of that attempt, within the timeout."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx

from wms.events.claims import Claim
from wms.events.orm import OutboxEvent
from wms.events.relay import post_event, post_within

EVENT = OutboxEvent(
    seq=1,
    event_id="00000000-0000-0000-0000-000000000001",
    type="order.created",
    payload={},
    created_at=datetime(2026, 11, 30, tzinfo=UTC),
)


def claim(url: str) -> Claim:
    return Claim(webhook_id=1, url=url, secret="s" * 16, token="t", delivered_seq=0, until=datetime.now(UTC))


def test_a_url_no_client_can_use_is_a_failed_attempt_not_an_exception() -> None:
    with httpx.Client(timeout=1) as client:
        status, error = post_event(client, claim("http://a..b/hook"), EVENT, 1.0)
    assert status is None and error is not None


def test_a_receiver_trickling_its_answer_cannot_hold_the_attempt_past_the_timeout() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:  # reads the request, then sends the status line a byte every 0.3 s, for ever
        conn, _ = listener.accept()
        conn.recv(65536)
        answer = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10_000
        for byte in answer:
            if stop.is_set():
                break
            conn.sendall(bytes([byte]))
            time.sleep(0.3)
        conn.close()

    threading.Thread(target=trickle, daemon=True).start()
    calls, open_requests = ThreadPoolExecutor(2), {}
    try:
        with httpx.Client(timeout=1) as client:
            started = time.monotonic()
            status, error = post_within(
                calls, client, claim(f"http://127.0.0.1:{port}/hook"), EVENT, 1.0, open_requests
            )
            took = time.monotonic() - started
            # the abandoned request is still open: the next attempt fails at once instead of taking a thread
            again = post_within(calls, client, claim(f"http://127.0.0.1:{port}/hook"), EVENT, 1.0, open_requests)
    finally:
        stop.set()
        listener.close()
        calls.shutdown(wait=False)
    assert status is None and error == "no answer within 1 s" and took < 3
    assert again == (None, "the receiver has not finished answering the previous request")
