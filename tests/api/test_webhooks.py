"""Events pushed to webhooks: signed, in order, each once at least, retried with backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fastapi.testclient import TestClient

from tests.api.orders_helpers import order_body, world
from tests.conftest import Api, Backend, make_token
from wms.api.app import create_app


class Receiver:
    """A tiny ERP endpoint that fails its first ``failures`` calls."""

    def __init__(self, failures: int) -> None:
        self.received: list[tuple[dict, dict]] = []
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                if receiver.calls <= failures:
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
            deadline = time.time() + 30
            while len(receiver.received) < len(expected) and time.time() < deadline:
                time.sleep(0.05)
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
