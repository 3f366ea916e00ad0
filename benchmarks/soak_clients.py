"""Client processes of the race and outage runs (started with `spawn`: this module imports no service code)."""

from __future__ import annotations

import time
from typing import Any

from benchmarks.soak import Client, order_body


def race_sku(tag: str, round_no: int) -> str:
    return f"RACE-{tag}-{round_no:03d}"


def race_client(base: str, token: str, k: int, rounds: int, tag: str, barrier: Any, results: Any) -> None:
    """Each round: wait at ``barrier`` with the connection open, push an order for the round's SKU, report."""
    client = Client(base, token)
    client.call("warm-up", "GET", "/v1/items?limit=1", record=False)  # the connection is open before the race
    try:
        for r in range(rounds):
            barrier.wait(timeout=300)
            sent = time.time()
            body = order_body(f"race-{tag}-{r:03d}-{k:02d}", [(race_sku(tag, r), 1)], f"race-{tag}-{r}-{k}")
            status, _, payload = client.call("POST /v1/orders", "POST", "/v1/orders", body, key=f"race-{tag}-{r}-{k}")
            order = payload if isinstance(payload, dict) and "status" in payload else {}
            results.put(
                {
                    "round": r,
                    "client": k,
                    "sent": sent,
                    "call": client.calls[-1],
                    "order_id": order.get("id"),
                    "order_status": order.get("status"),
                    "problems": order.get("problems"),
                    "connects": client.connects,
                    "status": status,
                }
            )
    finally:
        client.close()


def outage_client(
    base: str, token: str, k: int, orders: list[dict[str, Any]], start: Any, deadline: float, results: Any
) -> None:
    """Until ``deadline`` (time.time()): push a new order (a fresh key each), then read, in turn, on one
    keep-alive connection. An order answered 503 is not sent again during the run (so it can be checked
    that it does not exist: the parent retries it afterwards); after a 503 the client waits 0.1 s, not the
    ``Retry-After`` asked, to sample the outage."""
    client = Client(base, token)
    client.call("warm-up", "GET", "/v1/items?limit=1", record=False)
    pushed: list[tuple[str, int, str | None, int | None]] = []  # (external_id, status, error code, order id)
    start.wait(timeout=300)
    n = 0
    try:
        while time.time() < deadline and n < len(orders):
            body = orders[n]
            n += 1
            status, _, payload = client.call(
                "POST /v1/orders", "POST", "/v1/orders", body, key=f"outage-{body['external_id']}"
            )
            order_id = payload.get("id") if isinstance(payload, dict) else None
            pushed.append((body["external_id"], status, client.calls[-1].code, order_id))
            if status == 503:
                time.sleep(0.1)
            reads = [("GET /v1/orders/{id}", f"/v1/orders/{order_id}")] if order_id else []
            reads.append(
                (
                    "GET /v1/orders?external_id=",
                    f"/v1/orders?channel={body['channel']}&external_id={body['external_id']}",
                )
            )
            op, path = reads[n % len(reads)]
            if client.call(op, "GET", path)[0] == 503:
                time.sleep(0.1)
    finally:
        client.close()
        results.put(
            {
                "client": k,
                "calls": client.calls,
                "pushed": pushed,
                "connects": client.connects,
                "dropped": client.dropped,
            }
        )
