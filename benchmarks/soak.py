"""What the race, soak and fault runs share: an HTTP client that records every answer, the figures, the knobs.

Light on purpose (standard library only): client processes started with the ``spawn`` method import
this module, not the service.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


def knob(name: str, default: float) -> float:
    """A number from the environment (``WMS_SOAK_…``), else ``default``."""
    raw = os.environ.get(name)
    return type(default)(raw) if raw not in (None, "") else default


@dataclass
class Call:
    """One request as the client saw it. ``status`` 0: no answer (the connection failed or was dropped)."""

    op: str
    status: int
    code: str | None  # the error code of a 4xx/5xx, or the exception of a failed call
    ms: float
    at: float  # time.time() when the answer came
    retry_after: str | None = None


class Client:
    """One keep-alive HTTP/1.1 connection (``http.client``) that records every call.

    ``connects`` counts the TCP connections it opened: 1 if the server never closed or dropped it.
    ``dropped`` counts calls that got no answer at all.
    """

    def __init__(self, base: str, token: str | None = None, timeout: float = 120.0) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.calls: list[Call] = []
        self._sock: object = None
        self.connects = 0
        self.dropped = 0

    def call(
        self, op: str, method: str, path: str, body: Any = None, key: str | None = None, record: bool = True
    ) -> tuple[int, dict[str, str], Any]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = key
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            if self.conn.sock is not self._sock:
                self._sock, self.connects = self.conn.sock, self.connects + 1
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self._sock = None
            self.dropped += 1
            if record:
                self.calls.append(Call(op, 0, type(exc).__name__, 1000 * (time.perf_counter() - t0), time.time()))
            return 0, {}, None
        ms = 1000 * (time.perf_counter() - t0)
        got = {k.lower(): v for k, v in response.getheaders()}
        try:
            payload = json.loads(raw) if raw and got.get("content-type", "").startswith("application/json") else None
        except ValueError:
            payload = None
        code = None
        if response.status >= 400:
            code = (payload or {}).get("error", {}).get("code") if isinstance(payload, dict) else None
            code = code or "?"
        if record:
            self.calls.append(Call(op, response.status, code, ms, time.time(), got.get("retry-after")))
        return response.status, got, payload

    def close(self) -> None:
        self.conn.close()


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method), rounded to 0.1."""
    if not values:
        return 0.0
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


def summarize(calls: Iterable[Call]) -> dict[str, Any]:
    """Per operation and overall: count, p50/p99 ms, 2xx, 4xx by status and code, 5xx, no answer."""
    by_op: dict[str, list[Call]] = defaultdict(list)
    for c in calls:
        by_op[c.op].append(c)
        by_op["ALL"].append(c)
    out = {}
    for op in sorted(by_op, key=lambda o: (o == "ALL", o)):
        cs = by_op[op]
        ms = [c.ms for c in cs if c.status]
        out[op] = {
            "count": len(cs),
            "p50_ms": pct(ms, 50),
            "p99_ms": pct(ms, 99),
            "2xx": sum(200 <= c.status < 300 for c in cs),
            "4xx": dict(Counter(f"{c.status} {c.code}" for c in cs if 400 <= c.status < 500).most_common()),
            "5xx": sum(c.status >= 500 for c in cs),
            "no_answer": sum(c.status == 0 for c in cs),
        }
    return out


def table(summary: dict[str, Any]) -> str:
    """The summary as a Markdown table (what RESULTS.md shows)."""
    lines = [
        "| operation | count | p50 ms | p99 ms | 2xx | 4xx by code | 5xx | no answer |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for op, s in summary.items():
        four = ", ".join(f"{k}: {v}" for k, v in s["4xx"].items()) or "-"
        name = f"**{op}**" if op == "ALL" else f"`{op}`"
        lines.append(
            f"| {name} | {s['count']} | {s['p50_ms']} | {s['p99_ms']} | {s['2xx']} | {four} | {s['5xx']} | "
            f"{s['no_answer']} |"
        )
    return "\n".join(lines)


def load() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` shows them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def report(name: str, figures: dict[str, Any], summary: dict[str, Any] | None = None) -> None:
    """Print a run's figures (and its table); with ``WMS_SOAK_OUT`` set, also write them there as JSON."""
    figures = {"run": name, "at": datetime.now(UTC).isoformat(timespec="seconds"), **figures}
    print(f"\n=== {name}\n{json.dumps(figures, indent=1, default=str)}")
    if summary is not None:
        print(table(summary))
    folder = os.environ.get("WMS_SOAK_OUT")
    if folder:
        os.makedirs(folder, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        with open(os.path.join(folder, f"{name}-{stamp}.json"), "w") as f:
            json.dump({**figures, "summary": summary}, f, indent=1, default=str)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ADDRESS = {"name": "Ann Lee", "line1": "1 Main St", "city": "Springfield", "postcode": "12345", "country": "US"}


def order_body(
    external_id: str,
    lines: list[tuple[str, int]],
    customer: str,
    *,
    paid: bool = True,
    channel: str = "soak",
    carrier: str = "UPS",
) -> dict[str, Any]:
    """A clean order (clear address, no messages: nothing for a person to review)."""
    ship_by = (datetime.now(UTC) + timedelta(days=2)).replace(hour=18, minute=0, second=0, microsecond=0)
    return {
        "external_id": external_id,
        "channel": channel,
        "customer_id": customer,
        "ship_to": ADDRESS,
        "paid": paid,
        "promised_ship_by": ship_by.isoformat(),
        "carrier": carrier,
        "lines": [{"sku": s, "quantity": q} for s, q in lines],
    }
