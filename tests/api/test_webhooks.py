"""Events pushed to webhooks: signed, in order, each once at least, retried with backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.orders_helpers import order_body, world
from tests.conftest import Api, Backend, make_token
from wms.api.app import create_app


class Receiver:
    """A tiny ERP endpoint that fails its first ``failures`` calls, and every call while ``down``."""

    def __init__(self, failures: int) -> None:
        self.received: list[tuple[dict, dict]] = []
        self.calls = 0
        self.down = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                if receiver.calls <= failures or receiver.down:
                    self.send_response(500)
                else:
                    receiver.received.append((dict(self.headers), {"raw": body, **json.loads(body)}))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def test_webhook_receives_signed_events_in_order_after_failures(backend: Backend) -> None:
    receiver = Receiver(failures=2)
    settings = backend.settings.model_copy(update={"webhook_relay_interval_s": 0.05})
    try:
        with TestClient(create_app(settings, backend.engine)) as client:
            admin = Api(client, make_token(backend, "admin"))
            world(admin)
            hook = admin.post("/v1/webhooks", {"url": receiver.url, "secret": "s" * 20})
            assert hook["secret"] == "s" * 20 and hook["delivered_seq"] == 0
            order = admin.post("/v1/orders", order_body(("TEA", 1)))
            admin.post(f"/v1/orders/{order['id']}/cancel", expect=200)
            expected = admin.get("/v1/events")["items"]
            # the receiver holds an event before the relay commits its delivery: wait for both
            wait_until(lambda: admin.get("/v1/webhooks")["items"][0]["delivered_seq"] == expected[-1]["seq"])
            hooks = admin.get("/v1/webhooks")["items"]
    finally:
        receiver.server.shutdown()
    got = [body for _, body in receiver.received]
    assert [b["seq"] for b in got] == [e["seq"] for e in expected]  # in order, none skipped or doubled
    assert [b["id"] for b in got] == [e["id"] for e in expected]
    assert receiver.calls == len(expected) + 2  # the two failures were retried
    assert hooks[0]["delivered_seq"] == expected[-1]["seq"] and hooks[0]["attempts"] == 0
    for headers, body in receiver.received:
        t, v1 = (part.split("=", 1)[1] for part in headers["X-WMS-Signature"].split(","))
        mac = hmac.new(b"s" * 20, f"{t}.".encode() + body["raw"], hashlib.sha256).hexdigest()
        assert hmac.compare_digest(mac, v1)
        assert headers["X-WMS-Event-Id"] == body["id"]


def test_webhook_needs_admin_and_a_url(backend: Backend, client) -> None:  # type: ignore[no-untyped-def]
    erp = Api(client, make_token(backend, "erp"))
    erp.post("/v1/webhooks", {"url": "http://example.test/h"}, expect=403)
    admin = Api(client, make_token(backend, "admin"))
    admin.post("/v1/webhooks", {"url": "not a url"}, expect=422)
    assert len(admin.post("/v1/webhooks", {"url": "http://example.test/h"})["secret"]) >= 32


def wait_until(predicate, timeout_s: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout_s
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


def relay_app(backend: Backend, **settings: object):  # type: ignore[no-untyped-def]
    return TestClient(
        create_app(backend.settings.model_copy(update={"webhook_relay_interval_s": 0.05, **settings}), backend.engine)
    )


def test_a_paused_webhook_gets_nothing_until_resumed_then_everything_in_order(backend: Backend) -> None:
    receiver = Receiver(failures=0)
    try:
        with relay_app(backend) as client:
            admin = Api(client, make_token(backend, "admin"))
            world(admin)
            hook = admin.post("/v1/webhooks", {"url": receiver.url})
            order = admin.post("/v1/orders", order_body(("TEA", 1)))
            first = admin.get("/v1/events")["items"]
            wait_until(lambda: len(receiver.received) == len(first))
            wait_until(lambda: admin.get(f"/v1/webhooks/{hook['id']}")["delivered_seq"] == first[-1]["seq"])
            paused = admin.post(f"/v1/webhooks/{hook['id']}/pause", expect=200, key="pause-1")
            assert paused["active"] is False and paused["delivered_seq"] == first[-1]["seq"]
            assert admin.post(f"/v1/webhooks/{hook['id']}/pause", expect=200) == paused  # idempotent
            admin.post(f"/v1/orders/{order['id']}/cancel", expect=200)
            everything = admin.get("/v1/events")["items"]
            assert len(everything) > len(first)
            time.sleep(0.5)  # ten relay passes
            assert len(receiver.received) == len(first)
            assert admin.get(f"/v1/webhooks/{hook['id']}") == paused
            replay = client.post(
                f"/v1/webhooks/{hook['id']}/pause", headers={**admin.headers, "Idempotency-Key": "pause-1"}
            )
            assert replay.headers.get("Idempotent-Replayed") == "true" and replay.json() == paused
            resumed = admin.post(f"/v1/webhooks/{hook['id']}/resume", expect=200)
            assert resumed["active"] is True and resumed["delivered_seq"] == first[-1]["seq"]
            wait_until(lambda: len(receiver.received) == len(everything))
            time.sleep(0.2)
            assert admin.post(f"/v1/webhooks/{hook['id']}/resume", expect=200)["active"] is True
    finally:
        receiver.server.shutdown()
    assert [b["seq"] for _, b in receiver.received] == [e["seq"] for e in everything]  # none skipped or doubled


def test_resume_clears_the_failure_streak_of_a_webhook_the_relay_paused(backend: Backend) -> None:
    receiver = Receiver(failures=0)
    receiver.down = True
    try:
        with relay_app(backend, webhook_max_attempts=2, webhook_pause_after_s=0) as client:
            admin = Api(client, make_token(backend, "admin"))
            world(admin)
            hook = admin.post("/v1/webhooks", {"url": receiver.url})
            admin.post("/v1/orders", order_body(("TEA", 1)))
            wait_until(lambda: not admin.get(f"/v1/webhooks/{hook['id']}")["active"])
            stopped = admin.get(f"/v1/webhooks/{hook['id']}")
            assert stopped["attempts"] == 2 and stopped["next_attempt_at"] and stopped["last_error"] == "HTTP 500"
            assert stopped["delivered_seq"] == hook["delivered_seq"] and receiver.calls == 2
            receiver.down = False
            resumed = admin.post(f"/v1/webhooks/{hook['id']}/resume", expect=200)
            assert (resumed["active"], resumed["attempts"], resumed["next_attempt_at"]) == (True, 0, None)
            events = admin.get("/v1/events")["items"]
            wait_until(lambda: len(receiver.received) == len(events))  # at once, not after the backoff
            # the receiver has the last event a moment before the relay records it as delivered
            wait_until(lambda: admin.get(f"/v1/webhooks/{hook['id']}")["delivered_seq"] == events[-1]["seq"])
            assert admin.get(f"/v1/webhooks/{hook['id']}")["last_error"] is None
    finally:
        receiver.server.shutdown()
    assert [b["seq"] for _, b in receiver.received] == [e["seq"] for e in events]


def _deliveries(backend: Backend, webhook_id: int) -> int:
    with backend.engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM webhook_deliveries WHERE webhook_id = :w"), {"w": webhook_id}
        ).scalar_one()


def test_delete_takes_the_delivery_log_along_and_unknown_ids_are_404(backend: Backend) -> None:
    receiver = Receiver(failures=1)
    try:
        with relay_app(backend) as client:
            admin = Api(client, make_token(backend, "admin"))
            world(admin)
            keep = admin.post("/v1/webhooks", {"url": receiver.url})
            gone = admin.post("/v1/webhooks", {"url": receiver.url})
            admin.post("/v1/orders", order_body(("TEA", 1)))
            n_events = len(admin.get("/v1/events")["items"])
            wait_until(lambda: len(receiver.received) == 2 * n_events)
            admin.post(f"/v1/webhooks/{keep['id']}/pause", expect=200)
            assert _deliveries(backend, gone["id"]) >= n_events
            erp = Api(client, make_token(backend, "erp"))
            assert client.delete(f"/v1/webhooks/{gone['id']}", headers=erp.headers).status_code == 403
            erp.post(f"/v1/webhooks/{gone['id']}/pause", expect=403)
            erp.get(f"/v1/webhooks/{gone['id']}", expect=403)
            r = client.delete(f"/v1/webhooks/{gone['id']}", headers=admin.headers)
            assert r.status_code == 204 and r.content == b""
            assert _deliveries(backend, gone["id"]) == 0 and _deliveries(backend, keep["id"]) >= n_events
            for path in (f"/v1/webhooks/{gone['id']}", "/v1/webhooks/99999"):
                assert admin.get(path, expect=404)["error"]["code"] == "webhook_not_found"
                assert client.delete(path, headers=admin.headers).status_code == 404
                admin.post(f"{path}/pause", expect=404)
                admin.post(f"{path}/resume", expect=404)
            admin.get("/v1/webhooks/0", expect=422)
            assert [h["id"] for h in admin.get("/v1/webhooks")["items"]] == [keep["id"]]
    finally:
        receiver.server.shutdown()
