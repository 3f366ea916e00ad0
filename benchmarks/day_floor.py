"""The people of the day simulation: ERP, planner, pickers, packers and a clerk, as threads calling the HTTP API (``benchmarks.day``)."""

from __future__ import annotations

import argparse
import math
import random
import threading
import time
from collections import Counter
from typing import Any

import numpy as np

from benchmarks.day_world import STAGES, WAREHOUSE
from benchmarks.soak import Call, Client
from benchmarks.soak_roles import _count_one, deliver_if_done, pack, pack_and_ship, ship_truck, walk


class DayClient(Client):
    """A ``Client`` that sends a call again (up to twice, on a new connection) when it got no answer: the
    server closes a keep-alive connection idle longer than its keep-alive timeout (uvicorn: 5 s), and the
    planner and the ERP in ``--realtime`` idle that long. Every POST sent again here carries an
    Idempotency-Key or is refused the second time if it was done (a claim returns the same list); the
    failed attempts stay recorded (``no_answer``)."""

    def call(
        self, op: str, method: str, path: str, body: Any = None, key: str | None = None, record: bool = True
    ) -> tuple[int, dict[str, str], Any]:
        for _ in range(2):
            got = super().call(op, method, path, body, key, record)
            if got[0] != 0:
                return got
        return super().call(op, method, path, body, key, record)


class Floor:
    """What the role threads share."""

    def __init__(self, day: dict[str, Any], base: str, tokens: dict[str, Any], args: argparse.Namespace) -> None:
        self.day, self.base, self.tokens, self.args = day, base, tokens, args
        self.lock = threading.Lock()
        self.calls: dict[str, list[Call]] = {s: [] for s in STAGES}
        self.pushed: dict[str, str] = {}  # external_id → result of its push (created / existing / error code)
        self.since_wave = 0
        self.waves: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        self.erp_done = threading.Event()
        self.planner_done = threading.Event()
        self.pickers_left = args.pickers
        self.clerk_idle = threading.Event()
        self.errors: list[str] = []
        self.world = {"warehouse": WAREHOUSE, "short_share": args.short_share, "tag": f"day{args.seed}"}

    def client(self, role: str) -> Client:
        return DayClient(self.base, self.tokens[role])

    def run(self, name: str, stage: str, body: Any, client: Client) -> None:
        try:
            body(client)
        except Exception as exc:  # a role that dies is a finding, not a hang: the others are told below
            self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            if stage == "intake":
                self.erp_done.set()
            elif stage == "waves":
                self.planner_done.set()
        finally:
            client.close()
            with self.lock:
                self.calls[stage] += client.calls
                if stage == "picking":
                    self.pickers_left -= 1

    # ERP: the day's arrivals, pushed tick by tick; payments when they come
    def erp(self, client: Client) -> None:
        orders, times, payments = self.day["orders"], self.day["times"], self.day["payments"]
        due = sorted((t, ext) for ext, t in payments.items())
        channel = {o["external_id"]: o["channel"] for o in orders}
        tick, i, paid, t = self.args.tick_s, 0, 0, 0.0
        wall0 = time.perf_counter()
        while i < len(orders) or paid < len(due):
            upcoming = [times[i] if i < len(orders) else math.inf, due[paid][0] if paid < len(due) else math.inf]
            t = max(t + tick, math.ceil(min(upcoming) / tick) * tick)  # skip empty ticks
            if self.args.realtime:
                time.sleep(max(0.0, wall0 + t / self.args.realtime - time.perf_counter()))
            j = int(np.searchsorted(times, t, side="right"))
            while i < j:
                batch = orders[i : min(j, i + 1000)]
                status, _, got = client.call(
                    "POST /v1/orders/bulk", "POST", "/v1/orders/bulk", {"orders": batch}, key=f"day-bulk-{i}"
                )
                if status != 200:
                    raise RuntimeError(f"bulk push answered {status}")
                with self.lock:
                    for r in got["results"]:
                        self.pushed[r["external_id"]] = r["result"] if r["result"] != "error" else r["error"]["code"]
                    self.since_wave += len(batch)
                    self.counts["bulk_calls"] += 1
                i += len(batch)
            while paid < len(due) and due[paid][0] <= t:
                ext = due[paid][1]
                status, _, _ = client.call(
                    "POST /v1/orders/messages",
                    "POST",
                    "/v1/orders/messages",
                    {"channel": channel[ext], "external_id": ext, "type": "payment", "at": _now()},
                    key=f"day-pay-{ext}",
                )
                self.counts["payments"] += status in (200, 201, 202)
                paid += 1
        self.erp_done.set()

    # planner: a wave every so many orders pushed, then until nothing is left to plan
    def planner(self, client: Client) -> None:
        every, n, quiet = self.args.wave_every, 0, False
        while True:
            ending = self.erp_done.is_set()
            with self.lock:
                ready = self.since_wave >= every
            if not ready and not ending:
                time.sleep(0.1)
                continue
            with self.lock:
                self.since_wave = 0
            n += 1
            body = {
                "warehouse": WAREHOUSE,
                "max_orders": self.args.wave_max,
                "cart": {"max_orders": self.args.cart_orders, "max_units": self.args.cart_units},
                "time_limit_s": self.args.wave_time_limit_s,
            }
            t0 = time.perf_counter()
            status, _, got = client.call("POST /v1/waves", "POST", "/v1/waves", body, key=f"day-wave-{n}")
            if status == 409 and got["error"]["code"] == "nothing_to_plan":
                if ending and self.lists_done() and self.clerk_idle.is_set():
                    if quiet:  # twice in a row with everyone idle: what a last retry allocated is planned
                        break
                    quiet = True
                    continue
                if ending:  # a short pick may still give orders back: wait for the pickers
                    time.sleep(0.5)
                continue
            quiet = False
            if status not in (201, 202):
                if status == 409:  # wave_conflict: start again
                    continue
                raise RuntimeError(f"POST /v1/waves answered {status}: {got}")
            while got["status"] == "planning":
                time.sleep(0.25)
                status, _, got = client.call("GET /v1/waves/{id}", "GET", f"/v1/waves/{got['id']}")
                if status != 200:
                    raise RuntimeError(f"GET /v1/waves/{{id}} answered {status}")
            plan_s = time.perf_counter() - t0
            server_s = None
            if got.get("planned_at") and got.get("created_at"):
                server_s = _seconds(got["planned_at"]) - _seconds(got["created_at"])
            with self.lock:
                self.waves.append(
                    {
                        "id": got["id"],
                        "answer": status,
                        "background": len(got["orders"]) > self.args.sync_max,
                        "status": got["status"],
                        "orders": len(got["orders"]),
                        "pick_lists": len(got["pick_lists"]),
                        "stops": sum(len(p["stops"]) for p in got["pick_lists"]),
                        "distance_m": got["total_distance_m"],
                        "method": got.get("method"),
                        "plan_s": round(plan_s, 3),
                        "server_plan_s": None if server_s is None else round(server_s, 3),
                    }
                )
        self.planner_done.set()

    def lists_done(self) -> bool:
        """Every pick list of every wave planned so far walked (delivered or left)."""
        with self.lock:
            planned = sum(w["pick_lists"] for w in self.waves)
            return self.counts["delivered"] + self.counts["not_delivered"] >= planned

    # picker k: claim, walk, deliver until the planner is done and nothing is left
    def picker(self, client: Client, k: int) -> None:
        rng = random.Random(f"day-{self.args.seed}-picker-{k}")
        while True:
            done = self.planner_done.is_set()
            status, _, pl = client.call(
                "POST /v1/pick-lists/claim", "POST", "/v1/pick-lists/claim", {"warehouse": WAREHOUSE}
            )
            if status == 204:
                if done:
                    return
                time.sleep(0.2)
                continue
            if status != 200:
                raise RuntimeError(f"claim answered {status}")
            pl, confirmed, shorts = walk(client, rng, self.world, pl, math.inf)
            delivered = deliver_if_done(client, pl)
            with self.lock:
                self.counts["confirmed"] += confirmed
                self.counts["short_stops"] += shorts
                self.counts["delivered"] += delivered
                self.counts["not_delivered"] += not delivered

    # clerk: counts the locations short picks asked to count (stock there cannot be allocated until then),
    # then retries the allocation of orders short of stock (once per order and count)
    def clerk(self, client: Client) -> None:
        retried: set[int] = set()
        while True:
            done = self.pickers_left == 0
            status, _, page = client.call(
                "GET /v1/cycle-counts?status=open",
                "GET",
                f"/v1/cycle-counts?warehouse={WAREHOUSE}&status=open&limit=5",
            )
            counts = (page or {}).get("items", []) if status == 200 else []
            if counts:
                self.clerk_idle.clear()
                _count_one(client, self.world)
                with self.lock:
                    self.counts["counts_posted"] += 1
                retried.clear()  # what a count freed may fill any short order again
                continue
            todo = []
            for code in ("out_of_stock", "short_pick"):
                status, _, page = client.call(
                    "GET /v1/order-problems", "GET", f"/v1/order-problems?code={code}&open=true&limit=100"
                )
                items = (page or {}).get("items", []) if status == 200 else []
                todo += [p for p in items if p["order_id"] not in retried]
            if todo:
                self.clerk_idle.clear()
            for p in todo:
                retried.add(p["order_id"])
                status, _, _ = client.call(
                    "POST /v1/orders/{id}/problems/{pid}/resolve",
                    "POST",
                    f"/v1/orders/{p['order_id']}/problems/{p['id']}/resolve",
                    {"resolution": "retry allocation"},
                )
                with self.lock:
                    self.counts["allocation_retries"] += 1
            if todo:
                continue
            self.clerk_idle.set()
            if done:
                return
            time.sleep(0.5)

    # packer k of P: the picked shipments whose id is k mod P
    def packer(self, client: Client, k: int) -> None:
        """Packs the picked shipments it is given (id modulo the packers) as they come; packed ones wait at
        the dock and leave ``--truck`` at a time in one ``POST /v1/shipments/ship`` (and whatever waits when
        nothing is left to pack); ``--truck 0`` ships each one as soon as it is packed."""
        truck = self.args.truck
        dock: list[int] = []
        while True:
            done = self.pickers_left == 0
            mine, waiting = self._waiting_at_packing(client, k)
            if not mine:
                self._leave(client, dock)
                if done and (not waiting or self.errors):  # a packer that died leaves its share: don't wait for it
                    return
                time.sleep(0.2)
                continue
            for sid in mine:
                if truck == 0:
                    self._count(pack_and_ship(client, sid), 1)
                elif pack(client, sid):
                    dock.append(sid)
                    if len(dock) >= truck:
                        self._leave(client, dock)
                else:
                    self._count(0, 1)

    def _waiting_at_packing(self, client: Client, k: int) -> tuple[list[int], bool]:
        """The picked shipments of packer ``k`` (id modulo the packers) on the first page of the picked ones
        that has any, and whether any shipment waits at packing at all: a page may hold only the others'."""
        cursor, waiting = "", False
        while True:
            status, _, page = client.call(
                "GET /v1/shipments?status=picked",
                "GET",
                f"/v1/shipments?warehouse={WAREHOUSE}&status=picked&limit=100{cursor}",
            )
            if status != 200:
                raise RuntimeError(f"GET /v1/shipments?status=picked answered {status}")
            waiting = waiting or bool(page["items"])
            mine = [s["id"] for s in page["items"] if s["id"] % self.args.packers == k]
            if mine or not page["next_cursor"]:
                return mine, waiting
            cursor = f"&cursor={page['next_cursor']}"

    def _leave(self, client: Client, dock: list[int]) -> None:
        """The shipments waiting at the dock leave on one truck."""
        if dock:
            self._count(ship_truck(client, WAREHOUSE, dock), len(dock))
            dock.clear()

    def _count(self, shipped: int, asked: int) -> None:
        with self.lock:
            self.counts["shipped"] += shipped
            self.counts["pack_or_ship_refused"] += asked - shipped


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()


def _seconds(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp).timestamp()
