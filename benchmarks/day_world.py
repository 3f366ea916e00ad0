"""The day simulation's world and arrivals: a seeded warehouse, its orders and their two-peak Poisson arrival times (``benchmarks.day``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.generate import make_orders, make_world

DAY_S = 86_400.0


STAGES = ("intake", "waves", "picking", "packing", "counting")
WAREHOUSE = "WH1"


def n_skus_for(n_orders: int) -> int:
    """The SKU range of a day of ``n_orders``: 4 per order, between 200 and 50,000 (8,000 at 2,000 orders)."""
    return int(min(50_000, max(200, 4 * n_orders)))


def arrival_rate(t: np.ndarray) -> np.ndarray:
    """Relative order rate over the day (seconds): a low night, a late-morning and a larger evening peak."""
    h = t / 3600.0
    return 0.15 + 1.0 * np.exp(-0.5 * ((h - 11.0) / 1.8) ** 2) + 1.6 * np.exp(-0.5 * ((h - 20.5) / 1.5) ** 2)


def arrival_times(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` arrival times of a Poisson process of rate ``arrival_rate`` given its count: i.i.d. by rejection."""
    peak = float(arrival_rate(np.linspace(0, DAY_S, 2001)).max())
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        t = rng.uniform(0, DAY_S, 2 * n + 100)
        keep = t[rng.uniform(0, peak, t.size) < arrival_rate(t)]
        out.append(keep)
        got += keep.size
    return np.sort(np.concatenate(out)[:n])


def make_day(n_orders: int, seed: int, profile: str = "ecommerce", aisles: int = 30, n_skus: int = 0) -> dict[str, Any]:
    """The world (one warehouse of ``aisles`` aisles and 2 blocks; ``n_skus``, 0: ``n_skus_for``), the orders
    in arrival order, their arrival times (simulated seconds), and which unpaid orders get paid when."""
    n_skus = n_skus or n_skus_for(n_orders)
    units = 12 if profile == "b2b" else 1  # a B2B order: four e-commerce orders' lines, three times the units
    world = make_world(
        seed, n_warehouses=1, n_skus=n_skus, expected_orders=units * n_orders, main_range=1.0, aisles=aisles, blocks=2
    )
    rng = np.random.default_rng(seed + 1)
    if profile == "b2b":  # fewer, larger orders: four e-commerce orders' lines in one, to stores
        raw = make_orders(world, 4 * n_orders, seed=seed + 2, prefix="DAY", paid_share=0.95, repeat_share=0.0)
        orders = []
        for i in range(n_orders):
            lines: dict[str, int] = {}
            for o in raw[4 * i : 4 * i + 4]:
                for line in o["lines"]:
                    lines[line["sku"]] = lines.get(line["sku"], 0) + 3 * line["quantity"]
            body = {**raw[4 * i], "channel": "b2b", "external_id": f"DAY-{seed}-{i:06d}"}
            body["lines"] = [{"sku": s, "quantity": q} for s, q in lines.items()]
            orders.append(body)
    else:
        orders = make_orders(world, n_orders, seed=seed + 2, prefix="DAY", paid_share=0.95)
        for o in orders:  # a third channel: the shop's app
            if o["channel"] == "shop" and rng.random() < 0.25:
                o["channel"] = "app"
    skus = [it["sku"] for it in world["items"]]
    for o in orders:
        u = rng.random()
        if u < 0.01:  # a postcode that cannot be the country's: a person must look at it
            o["ship_to"] = {**o["ship_to"], "postcode": "??"}
        elif u < 0.015:  # more than there is
            o["lines"] = [*o["lines"], {"sku": skus[int(rng.integers(len(skus) // 2, len(skus)))], "quantity": 999}]
            o["lines"] = list({line["sku"]: line for line in o["lines"]}.values())
    times = arrival_times(n_orders, rng)
    payments = {}  # external_id → simulated time its payment message comes
    for o, t in zip(orders, times, strict=True):
        if not o["paid"] and rng.random() < 0.8:
            payments[o["external_id"]] = float(t + rng.uniform(30, 240) * 60)
    return {"world": world, "orders": orders, "times": times, "payments": payments, "profile": profile}
