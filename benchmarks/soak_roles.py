"""The people of the mixed soak, one client process each (started with ``spawn``: no service code imported).

Every role loops until ``deadline`` (time.time()) on one keep-alive connection, recording each call,
then puts ``{"role", "calls", "connects", "dropped", …}`` on the results queue. ``world`` is the plain
description of the hot warehouse: its code, hot SKUs with Zipf weights, storage locations.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

from benchmarks.soak import Client, order_body

MAX_STEPS = 500  # bound on the stops of one pick list a picker walks


def _hot_sku(rng: random.Random, world: dict[str, Any]) -> str:
    return rng.choices(world["skus"], weights=world["weights"])[0]


def erp(client: Client, rng: random.Random, world: dict[str, Any], deadline: float, k: int) -> dict[str, Any]:
    """Pushes orders on the hot SKUs (5 % unpaid), pays some unpaid ones later, cancels a few."""
    pushed: list[tuple[str, int]] = []  # (external_id, order id) answered 201/200
    unpaid: list[str] = []
    n = 0
    while time.time() < deadline:
        u = rng.random()
        if u < 0.04 and pushed:
            _, order_id = rng.choice(pushed)
            client.call("POST /v1/orders/{id}/cancel", "POST", f"/v1/orders/{order_id}/cancel")
        elif u < 0.08 and unpaid:
            ext = unpaid.pop(rng.randrange(len(unpaid)))
            client.call(
                "POST /v1/orders/messages",
                "POST",
                "/v1/orders/messages",
                {"channel": "soak", "external_id": ext, "type": "payment", "at": datetime.now(UTC).isoformat()},
                key=f"pay-{ext}",
            )
        else:
            n += 1
            ext = f"{world['tag']}-E{k:02d}-{n:05d}"
            skus = rng.sample(world["skus"], k=min(len(world["skus"]), rng.choice([1, 1, 1, 2, 2, 3])))
            skus = sorted({_hot_sku(rng, world) for _ in skus})
            paid = rng.random() >= 0.05
            body = order_body(ext, [(s, rng.choice([1, 1, 1, 2])) for s in skus], f"cust-{k}-{n}", paid=paid)
            status, _, payload = client.call("POST /v1/orders", "POST", "/v1/orders", body, key=f"push-{ext}")
            if status in (200, 201):
                pushed.append((ext, payload["id"]))
                if not paid:
                    unpaid.append(ext)
        time.sleep(world["think_s"])
    return {"pushed": pushed}


def planner(client: Client, rng: random.Random, world: dict[str, Any], deadline: float, k: int) -> dict[str, Any]:
    """Starts a wave every ``wave_interval_s``; meanwhile resolves a few out-of-stock problems (re-allocation)."""
    waves, n = [], 0
    next_wave = time.time()
    while time.time() < deadline:
        if time.time() >= next_wave:
            n += 1
            body = {
                "warehouse": world["warehouse"],
                "max_orders": world["wave_orders"],
                "cart": {"max_units": world["cart_units"]},
                "time_limit_s": 1.0,
            }
            status, _, payload = client.call("POST /v1/waves", "POST", "/v1/waves", body, key=f"{world['tag']}-W{n}")
            if status in (201, 202):
                waves.append(payload["id"])
            next_wave = time.time() + world["wave_interval_s"]
            continue
        status, _, page = client.call(
            "GET /v1/order-problems", "GET", "/v1/order-problems?code=out_of_stock&open=true&limit=5"
        )
        for p in (page or {}).get("items", [])[:2] if status == 200 else []:
            client.call(
                "POST /v1/orders/{id}/problems/{pid}/resolve",
                "POST",
                f"/v1/orders/{p['order_id']}/problems/{p['id']}/resolve",
                {"resolution": "retry allocation"},
            )
        time.sleep(max(0.2, min(1.0, next_wave - time.time())))
    return {"waves": waves}


def scan(stop: dict[str, Any], quantity: int, reason: str | None = None) -> dict[str, Any]:
    """The body of a confirmation of ``stop`` (a pick list's ``next_stop``): ``quantity`` units, short with ``reason``."""
    body = {
        "location": stop["location"],
        "sku": stop["sku"],
        "lot": stop["lot"],
        "quantity": quantity,
        "stop_id": stop["id"],
    }
    return {**body, "reason": reason} if reason else body


def walk(
    client: Client, rng: random.Random, world: dict[str, Any], pl: dict[str, Any], deadline: float
) -> tuple[dict[str, Any] | None, int, int]:
    """Walks a claimed pick list's stops (some short: nothing found, or fewer units, damaged) until none is left
    or ``deadline``; returns the pick list as last seen (None if it could not be read), confirmed, short stops."""
    confirmed = shorts = 0
    current: dict[str, Any] | None = pl
    for _ in range(MAX_STEPS):
        stop = current.get("next_stop") if current else None
        if stop is None or current is None or time.time() >= deadline:
            break
        u, path = rng.random(), f"/v1/pick-lists/{current['id']}"
        if u < world["short_share"] / 2:
            status, _, got = client.call(
                "POST /v1/pick-lists/{id}/short-picks",
                "POST",
                f"{path}/short-picks",
                {
                    "location": stop["location"],
                    "sku": stop["sku"],
                    "lot": stop["lot"],
                    "reason": "not_found",
                    "stop_id": stop["id"],
                },
            )
            shorts += status == 201
        elif u < world["short_share"] and stop["quantity"] > 1:
            status, _, got = client.call(
                "POST /v1/pick-lists/{id}/confirmations",
                "POST",
                f"{path}/confirmations",
                scan(stop, stop["quantity"] - 1, "damaged"),
            )
            shorts += status == 201
        else:
            status, _, got = client.call(
                "POST /v1/pick-lists/{id}/confirmations",
                "POST",
                f"{path}/confirmations",
                scan(stop, stop["quantity"]),
                key=f"{world['tag']}-S{stop['id']}",
            )
            confirmed += status == 201
        if status == 201:
            current = got
            continue
        status, _, current = client.call("GET /v1/pick-lists/{id}", "GET", path)  # a stop changed under us
        if status != 200 or current["status"] not in ("claimed", "picked"):
            break
    return current, confirmed, shorts


def deliver_if_done(client: Client, pl: dict[str, Any] | None) -> bool:
    """Delivers a walked pick list to packing once no stop is left; True if it was delivered."""
    if pl and pl.get("next_stop") is None and pl.get("status") in ("claimed", "picked"):
        status, _, _ = client.call("POST /v1/pick-lists/{id}/deliver", "POST", f"/v1/pick-lists/{pl['id']}/deliver", {})
        return status == 200
    return False


def picker(client: Client, rng: random.Random, world: dict[str, Any], deadline: float, k: int) -> dict[str, Any]:
    """Claims a pick list, walks its stops (some short: nothing found, or fewer units, damaged), delivers."""
    confirmed = shorts = delivered = 0
    while time.time() < deadline:
        status, _, pl = client.call(
            "POST /v1/pick-lists/claim", "POST", "/v1/pick-lists/claim", {"warehouse": world["warehouse"]}
        )
        if status != 200:
            time.sleep(0.5)
            continue
        pl, c, s = walk(client, rng, world, pl, deadline)
        confirmed, shorts = confirmed + c, shorts + s
        delivered += deliver_if_done(client, pl)
    return {"confirmed": confirmed, "shorts": shorts, "delivered": delivered}


def pack_and_ship(client: Client, shipment_id: int) -> bool:
    """Packs a picked shipment as it was picked (one parcel) and ships it; True if it was shipped."""
    if not pack(client, shipment_id):
        return False
    status, _, _ = client.call("POST /v1/shipments/{id}/ship", "POST", f"/v1/shipments/{shipment_id}/ship")
    return status == 200


def pack(client: Client, shipment_id: int) -> bool:
    """Packs a picked shipment as it was picked (one parcel): it then waits at the dock; True if packed."""
    status, _, detail = client.call("GET /v1/shipments/{id}", "GET", f"/v1/shipments/{shipment_id}")
    if status != 200:
        return False
    scan = [{"sku": i["sku"], "lot": i["lot"], "quantity": i["quantity"]} for i in detail["items"]]
    status, _, _ = client.call(
        "POST /v1/shipments/{id}/pack",
        "POST",
        f"/v1/shipments/{shipment_id}/pack",
        {"items": scan, "parcels": [{"weight_kg": 1.0}]},
    )
    return status == 201


def ship_truck(client: Client, warehouse: str, shipment_ids: list[int]) -> int:
    """The packed shipments leave the dock together (``POST /v1/shipments/ship``); how many were shipped."""
    status, _, answer = client.call(
        "POST /v1/shipments/ship", "POST", "/v1/shipments/ship", {"warehouse": warehouse, "shipment_ids": shipment_ids}
    )
    return int(answer["shipped"]) if status == 200 and answer else 0


def packer(client: Client, rng: random.Random, world: dict[str, Any], deadline: float, k: int) -> dict[str, Any]:
    """Packs and ships what waits at packing."""
    shipped = 0
    while time.time() < deadline:
        status, _, page = client.call(
            "GET /v1/shipments?status=picked",
            "GET",
            f"/v1/shipments?warehouse={world['warehouse']}&status=picked&limit=10",
        )
        items = (page or {}).get("items", []) if status == 200 else []
        if not items:
            time.sleep(0.5)
            continue
        for sh in items:
            if time.time() >= deadline:
                break
            shipped += pack_and_ship(client, sh["id"])
    return {"shipped": shipped}


def _free_rows(client: Client, world: dict[str, Any], sku: str) -> list[dict[str, Any]]:
    status, _, page = client.call(
        "GET /v1/stock?sku=", "GET", f"/v1/stock?warehouse={world['warehouse']}&sku={sku}&limit=100"
    )
    rows = (page or {}).get("items", []) if status == 200 else []
    return [r for r in rows if r["available"] > 0 and r["location"] in world["locations"]]


def clerk(client: Client, rng: random.Random, world: dict[str, Any], deadline: float, k: int) -> dict[str, Any]:
    """Receives, moves and adjusts the hot SKUs, and counts the locations short picks asked to count."""
    n = 0
    while time.time() < deadline:
        n += 1
        u, sku = rng.random(), _hot_sku(rng, world)
        if u < 0.3:
            client.call(
                "POST /v1/receipts",
                "POST",
                "/v1/receipts",
                {
                    "warehouse": world["warehouse"],
                    "reference": f"{world['tag']}-R{k}-{n}",
                    "lines": [
                        {
                            "sku": sku,
                            "lot": f"{sku}-R{k}",
                            "expiry_date": None,
                            "quantity": rng.randint(10, 30),
                            "location": rng.choice(world["locations"]),
                        }
                    ],
                },
                key=f"{world['tag']}-R{k}-{n}",
            )
        elif u < 0.6 and (rows := _free_rows(client, world, sku)):
            row = rng.choice(rows)
            to = rng.choice([loc for loc in world["locations"] if loc != row["location"]])
            client.call(
                "POST /v1/stock/moves",
                "POST",
                "/v1/stock/moves",
                {
                    "warehouse": world["warehouse"],
                    "sku": sku,
                    "lot": row["lot"],
                    "quantity": rng.randint(1, min(5, row["available"])),
                    "from_location": row["location"],
                    "to_location": to,
                },
                key=f"{world['tag']}-M{k}-{n}",
            )
        elif u < 0.8 and (rows := _free_rows(client, world, sku)):
            row = rng.choice(rows)
            delta, reason = rng.choice([(-1, "damaged"), (1, "found"), (2, "found")])
            client.call(
                "POST /v1/stock/adjustments",
                "POST",
                "/v1/stock/adjustments",
                {
                    "warehouse": world["warehouse"],
                    "location": row["location"],
                    "sku": sku,
                    "lot": row["lot"],
                    "delta": delta,
                    "reason": reason,
                },
                key=f"{world['tag']}-A{k}-{n}",
            )
        else:
            _count_one(client, world)
        time.sleep(world["think_s"])
    return {}


def _count_one(client: Client, world: dict[str, Any]) -> None:
    """Counts one open cycle count: what the shelf holds is what the system says (no real shrinkage here)."""
    status, _, page = client.call(
        "GET /v1/cycle-counts?status=open",
        "GET",
        f"/v1/cycle-counts?warehouse={world['warehouse']}&status=open&limit=5",
    )
    counts = (page or {}).get("items", []) if status == 200 else []
    if not counts:
        return
    count = counts[0]
    status, _, page = client.call(
        "GET /v1/stock?location=",
        "GET",
        f"/v1/stock?warehouse={world['warehouse']}&location={count['location']}&limit=100",
    )
    if status != 200:
        return
    lines = [{"sku": r["sku"], "lot": r["lot"], "quantity": r["on_hand"]} for r in page["items"] if r["on_hand"]]
    status, _, _ = client.call(
        "POST /v1/cycle-counts/{id}/result", "POST", f"/v1/cycle-counts/{count['id']}/result", {"lines": lines}
    )
    if status == 201:
        client.call("POST /v1/cycle-counts/{id}/post", "POST", f"/v1/cycle-counts/{count['id']}/post")


def reader(client: Client, rng: random.Random, world: dict[str, Any], deadline: float, k: int) -> dict[str, Any]:
    """Lists stock, orders, shipments and problems, and opens an order."""
    wh, recent = world["warehouse"], []
    while time.time() < deadline:
        u = rng.random()
        if u < 0.3:
            client.call("GET /v1/stock?sku=", "GET", f"/v1/stock?warehouse={wh}&sku={_hot_sku(rng, world)}&limit=50")
        elif u < 0.55:
            status, _, page = client.call(
                "GET /v1/orders?status=",
                "GET",
                f"/v1/orders?status={rng.choice(['allocated', 'ready', 'shipped'])}&channel=soak&limit=50",
            )
            if status == 200:
                recent = [o["id"] for o in page["items"]] or recent
        elif u < 0.75 and recent:
            client.call("GET /v1/orders/{id}", "GET", f"/v1/orders/{rng.choice(recent)}")
        elif u < 0.9:
            client.call("GET /v1/shipments", "GET", f"/v1/shipments?warehouse={wh}&limit=50")
        else:
            client.call("GET /v1/order-problems", "GET", "/v1/order-problems?open=true&limit=50")
        time.sleep(world["think_s"])
    return {}


ROLES = {"erp": erp, "planner": planner, "picker": picker, "packer": packer, "clerk": clerk, "reader": reader}


def run_role(
    role: str, k: int, base: str, token: str, world: dict[str, Any], start: Any, deadline: float, results: Any
) -> None:
    """The client process: open the connection, wait for the start, play ``role`` until ``deadline``, report."""
    client = Client(base, token)
    client.call("warm-up", "GET", "/healthz", record=False)
    rng = random.Random(f"{world['tag']}-{role}-{k}")
    extra: dict[str, Any] = {}
    start.wait(timeout=300)
    try:
        extra = ROLES[role](client, rng, world, deadline, k)
    finally:
        client.close()
        results.put(
            {
                "role": role,
                "k": k,
                "calls": client.calls,
                "connects": client.connects,
                "dropped": client.dropped,
                **extra,
            }
        )
