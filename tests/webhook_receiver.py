"""A real HTTP receiver of webhooks with a script per path: fail, answer slowly, or take the event.

Used by the webhook tests and the webhook soak (``benchmarks/webhook_soak.py``). Every call is logged
with its time, the event's ``seq``, the status answered and whether the event was taken (a 2xx: the
receiver processed it, also when the relay gave up waiting for the answer). The number of calls in flight
at once (received, not answered yet) is tracked per path: one request at a time per webhook means it never
exceeds one, unless the relay gave up waiting for an answer (a timeout) and sent the next request.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (seq, how many times this path was called with this seq before) -> (status, seconds to sleep first)
Script = Callable[[int, int], tuple[int, float]]


def always_ok(_seq: int, _nth: int) -> tuple[int, float]:
    return 204, 0.0


@dataclass
class Call:
    at: float  # time.time() when the answer was decided
    seq: int
    status: int
    created_at: str
    sleep_s: float


@dataclass
class Endpoint:
    script: Script
    calls: list[Call] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def taken(self) -> list[int]:
        """The seqs taken (2xx), in arrival order, duplicates included."""
        return [c.seq for c in self.calls if 200 <= c.status < 300]


class Receiver:
    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}
        self._lock = threading.Lock()
        self._tries: dict[tuple[str, int], int] = defaultdict(int)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def endpoint(self, name: str, script: Script = always_ok) -> str:
        """Register ``/name`` answering by ``script``; its URL."""
        self.endpoints[name] = Endpoint(script)
        return f"{self.base}/{name}"

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        name = request.path.strip("/")
        body = json.loads(request.rfile.read(int(request.headers["Content-Length"])))
        endpoint = self.endpoints[name]
        with self._lock:
            nth = self._tries[(name, body["seq"])]
            self._tries[(name, body["seq"])] += 1
            endpoint.in_flight += 1
            endpoint.max_in_flight = max(endpoint.max_in_flight, endpoint.in_flight)
        status, sleep_s = endpoint.script(body["seq"], nth)
        with self._lock:
            endpoint.calls.append(Call(time.time(), body["seq"], status, body["created_at"], sleep_s))
        time.sleep(sleep_s)
        with self._lock:  # before the answer leaves: the relay may send the next event as soon as it has it
            endpoint.in_flight -= 1
        try:
            request.send_response(status)
            request.send_header("Content-Length", "0")
            request.end_headers()
        except OSError:
            pass  # the relay gave up waiting

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
