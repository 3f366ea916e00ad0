"""Seeded synthetic e-commerce data for the benchmarks: warehouses, SKUs, stock, orders.

Plain functions returning plain data (dicts in the API's JSON shapes, numpy
arrays); no database, no wms import. The same seed (and the same ``today``)
gives the same data.

The model, in short:

* ``make_world``: N warehouses with a layout.md layout (10-30 aisles), M SKUs
  with Zipf(1.0) popularity, a sizing of stock to an expected order volume.
  Warehouse 0 is the main DC (carries most of the range, gets a bigger share
  of each SKU), the others are regional (carry the fast movers and a random
  part of the tail). Stock comes in 1-3 lots per (warehouse, SKU) at distinct
  storage locations. Perishable SKUs (about 40 %, with a minimum shelf life of
  0-30 days) have dated lots, the rest undated ones; on top of the sellable
  stock there are expired lots and short-dated lots (usable on the ship date
  for no order that needs the item's minimum shelf life). A few percent of
  SKUs are under-stocked so that some orders are short.
* ``make_orders``: lines per order 55 % one / 25 % two / 10 % three / 5 % four /
  5 % five to eight, distinct SKUs drawn by popularity, quantities mostly 1-3;
  customers with addresses whose postcodes fit their country; about 15 % of
  orders come from repeat customers (same id, address and carrier, so their
  paid orders share a shipment); a few unpaid orders and orders with a buyer
  message (these wait for a person) as in real feeds.
* ``usable_stock`` / ``order_arrays`` / ``split_problems``: the same data as
  arrays for the split solver (demand per distinct SKU, FEFO-usable units per
  warehouse), with stock consumed order by order.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

LINE_COUNTS = np.array([1, 2, 3, 4, 5, 6, 7, 8])
LINE_COUNT_P = np.array([0.55, 0.25, 0.10, 0.05, 0.0125, 0.0125, 0.0125, 0.0125])
QUANTITIES = np.array([1, 2, 3, 4, 5, 6, 10, 12])
QUANTITY_P = np.array([0.70, 0.17, 0.07, 0.025, 0.015, 0.01, 0.005, 0.005])
SHELF_LIFE_DAYS = np.array([0, 3, 7, 14, 30])
CARRIERS = ["UPS", "DHL", "FEDEX", "USPS", "GLS"]
CITIES = {  # country → (cities, postcode maker); postcodes fit wms.orders.review.POSTCODES
    "US": (["Springfield", "Riverside", "Franklin", "Greenville", "Bristol"], lambda r: f"{r.integers(10000, 99999)}"),
    "DE": (["Berlin", "Hamburg", "Köln", "Leipzig"], lambda r: f"{r.integers(10000, 99999)}"),
    "FR": (["Lyon", "Lille", "Nantes"], lambda r: f"{r.integers(10000, 99999)}"),
    "NL": (
        ["Utrecht", "Delft"],
        lambda r: f"{r.integers(1000, 9999)} {''.join(r.choice(list('ABCDEFGHJKLMNPRSTVWXZ'), 2))}",
    ),
    "GB": (
        ["Leeds", "York"],
        lambda r: f"LS{r.integers(1, 29)} {r.integers(1, 9)}{''.join(r.choice(list('ABDEFGHJLNPQRSTUWXYZ'), 2))}",
    ),
}
COUNTRY_P = np.array([0.5, 0.2, 0.12, 0.1, 0.08])
FIRST = ["Ann", "Bo", "Chen", "Dana", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Max", "Nia", "Omar"]
LAST = ["Lee", "Smith", "Meyer", "Dubois", "de Vries", "Brown", "Rossi", "Kim", "Novak", "Silva", "Berg"]
STREETS = ["Main St", "High St", "Park Ave", "Lindenweg", "Rue Verte", "Kerkstraat", "Mill Lane", "Oak Rd"]


def zipf_weights(n: int, s: float = 1.0) -> np.ndarray:
    """Finite Zipf(s): the k-th most popular of n has weight ∝ 1 / k**s (sums to 1)."""
    w = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** s
    return w / w.sum()


def mean_units_per_order() -> float:
    """E[lines] · E[quantity] (lines of 5-8 counted at their mean)."""
    return float((LINE_COUNTS * LINE_COUNT_P).sum() * (QUANTITIES * QUANTITY_P).sum())


def _layout(
    rng: np.random.Generator, needed_locations: int, aisles: int | None = None, blocks: int | None = None
) -> dict[str, Any]:
    """A random layout holding ``needed_locations`` with room to spare; ``aisles`` / ``blocks`` fix those two
    (the random draws are made all the same, so the rest of a seed's world does not change)."""
    drawn_aisles = int(rng.integers(10, 31))
    drawn_blocks = int(rng.integers(1, 4))
    aisles, blocks = aisles or drawn_aisles, blocks or drawn_blocks
    levels = int(rng.integers(2, 6))
    per_bay = aisles * blocks * levels * 2
    bays_per_block = max(10, int(np.ceil(needed_locations * 1.5 / per_bay)))
    pitch = float(rng.choice([2.5, 3.0, 3.5]))
    return {
        "aisles": aisles,
        "aisle_pitch_m": pitch,
        "blocks": blocks,
        "bays_per_block": bays_per_block,
        "bay_width_m": float(rng.choice([1.0, 1.2, 1.5])),
        "cross_aisle_width_m": float(rng.choice([2.0, 3.0])),
        "levels": levels,
        "depot_x_m": pitch * int(rng.integers(0, aisles)),
    }  # somewhere on the front cross aisle


def location_code(layout: dict[str, Any], index: int) -> str:
    """The ``index``-th storage location (aisle, bay, level, side order), coded as wms.inventory.layout does."""
    bays = layout["blocks"] * layout["bays_per_block"]
    per_aisle = bays * layout["levels"] * 2
    aisle, rest = divmod(index, per_aisle)
    bay, rest = divmod(rest, layout["levels"] * 2)
    level, side = divmod(rest, 2)
    wa = max(2, len(str(layout["aisles"])))
    wb = max(3, len(str(bays)))
    wl = max(1, len(str(layout["levels"])))
    return f"A{aisle + 1:0{wa}d}-B{bay + 1:0{wb}d}-L{level + 1:0{wl}d}-{'LR'[side]}"


def make_world(
    seed: int = 1,
    *,
    n_warehouses: int = 5,
    n_skus: int = 2000,
    expected_orders: int = 2000,
    today: date | None = None,
    cover: float = 2.0,
    short_sku_share: float = 0.02,
    min_units: int = 8,
    main_range: float = 0.85,
    regional_range: float = 0.35,
    fast_movers: float = 0.02,
    perishable_share: float = 0.4,
    aisles: int | None = None,
    blocks: int | None = None,
) -> dict[str, Any]:
    """Warehouses, items, stock (as receipts) sized for about ``expected_orders`` orders.

    ``cover``: median usable stock over expected demand per SKU (log-normal
    around it), at least ``min_units``; ``short_sku_share`` of the SKUs get
    0.2-0.7 of their expected demand.
    ``main_range`` / ``regional_range``: share of the SKU range the main /
    each regional warehouse carries (the top ``fast_movers`` share everywhere).
    ``aisles`` / ``blocks``: every warehouse's aisle and block count (default: drawn, 10-30 and 1-3).
    """
    rng = np.random.default_rng(seed)
    today = today or datetime.now(UTC).date()
    popularity = zipf_weights(n_skus)  # SKU k (0-based) is the (k+1)-th most popular
    demand = expected_orders * mean_units_per_order() * popularity
    factor = cover * rng.lognormal(0.0, 0.25, n_skus)
    short = rng.random(n_skus) < short_sku_share
    factor[short] = rng.uniform(0.2, 0.7, short.sum())
    total = np.maximum(np.ceil(demand * factor), 1).astype(np.int64)
    total[~short] = np.maximum(total[~short], min_units)  # a minimum stock level for slow movers

    carries = np.zeros((n_warehouses, n_skus), dtype=bool)
    carries[0] = rng.random(n_skus) < main_range
    if n_warehouses > 1:
        carries[1:] = rng.random((n_warehouses - 1, n_skus)) < regional_range
    carries[:, : max(1, int(fast_movers * n_skus))] = True
    nowhere = ~carries.any(axis=0)
    carries[rng.integers(0, n_warehouses, nowhere.sum()), np.flatnonzero(nowhere)] = True

    weights = rng.gamma(2.0, 1.0, (n_warehouses, n_skus)) * carries
    weights[0] *= 2.0  # the main DC holds more of what it carries
    share = weights / weights.sum(axis=0, keepdims=True)
    qty = np.floor(share * total).astype(np.int64)
    rest = total - qty.sum(axis=0)  # rounding leftovers go to the carrier with the largest share
    qty[np.argmax(share, axis=0), np.arange(n_skus)] += rest
    qty *= carries

    shelf = np.where(rng.random(n_skus) < perishable_share, rng.choice(SHELF_LIFE_DAYS[1:], n_skus), 0)
    perishable = shelf > 0
    shelf[perishable & (rng.random(n_skus) < 0.15)] = 0  # dated but no minimum shelf life (e.g. batteries)

    items = [
        {
            "sku": f"SKU-{k:05d}",
            "name": f"Product {k}",
            "min_shelf_life_days": int(shelf[k]),
            "unit_volume_l": round(float(rng.uniform(0.1, 8.0)), 2),
        }
        for k in range(n_skus)
    ]

    rows: list[tuple[int, int, str, int | None, int]] = []  # (warehouse, sku, lot, expiry offset, quantity)
    for w in range(n_warehouses):
        for k in np.flatnonzero(carries[w]):
            q = int(qty[w, k])
            n_lots = 1 if q < 4 else int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15]))
            cuts = np.sort(rng.choice(np.arange(1, q), n_lots - 1, replace=False)) if n_lots > 1 else []
            parts = np.diff(np.concatenate([[0], cuts, [q]])).astype(int)
            for n, part in enumerate(parts):
                if part <= 0:
                    continue
                exp = int(shelf[k] + rng.integers(20, 400)) if perishable[k] else None
                rows.append((w, int(k), f"W{w + 1}L{n + 1}", exp, int(part)))
            if perishable[k]:  # old stock nobody may ship
                u = rng.random()
                if u < 0.06:
                    rows.append((w, int(k), f"W{w + 1}X", -int(rng.integers(1, 60)), int(rng.integers(1, 20))))
                elif u < 0.14:  # still in date, but too close to expiry at the ship date
                    rows.append((w, int(k), f"W{w + 1}S", int(rng.integers(0, shelf[k] + 1)), int(rng.integers(1, 20))))

    stock_rows = np.array(
        [(w, k, e if e is not None else 0, e is None, q) for w, k, _, e, q in rows], dtype=np.int64
    ).reshape(-1, 5)
    warehouses, receipts = [], []
    for w in range(n_warehouses):
        mine = [r for r in rows if r[0] == w]
        layout = _layout(rng, len(mine), aisles, blocks)
        n_loc = layout["aisles"] * layout["blocks"] * layout["bays_per_block"] * layout["levels"] * 2
        spots = rng.choice(n_loc, len(mine), replace=False)
        code = f"WH{w + 1}"
        warehouses.append({"code": code, "name": "Main DC" if w == 0 else f"Regional {w}", "layout": layout})
        lines = [
            {
                "sku": items[k]["sku"],
                "lot": lot,
                "expiry_date": None if e is None else (today + timedelta(days=e)).isoformat(),
                "quantity": q,
                "location": location_code(layout, int(spot)),
            }
            for (_, k, lot, e, q), spot in zip(mine, spots, strict=True)
        ]
        for n, start in enumerate(range(0, len(lines), 1000)):
            receipts.append(
                {"warehouse": code, "reference": f"PO-{code}-{n + 1}", "lines": lines[start : start + 1000]}
            )
    return {
        "seed": seed,
        "today": today.isoformat(),
        "warehouses": warehouses,
        "items": items,
        "popularity": popularity,
        "min_shelf_life_days": shelf.astype(np.int64),
        "receipts": receipts,
        # stock_rows columns: warehouse index, SKU index, expiry offset (days from today), undated (0/1), units
        "stock_rows": stock_rows,
        "short_skus": np.flatnonzero(short),
    }


def _address(rng: np.random.Generator, n: int) -> dict[str, Any]:
    ci = int(rng.choice(len(COUNTRY_P), p=COUNTRY_P))
    country = list(CITIES)[ci]
    cities, postcode = CITIES[country]
    return {
        "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "line1": f"{int(rng.integers(1, 400))} {rng.choice(STREETS)}",
        "city": str(rng.choice(cities)),
        "postcode": postcode(rng),
        "country": country,
        **({"line2": f"Apt {n % 97 + 1}"} if rng.random() < 0.2 else {}),
    }


def make_orders(
    world: dict[str, Any],
    n_orders: int,
    *,
    seed: int = 2,
    prefix: str = "BENCH",
    repeat_share: float = 0.15,
    paid_share: float = 0.98,
    message_share: float = 0.01,
    ship_days: tuple[int, int] = (1, 3),
) -> list[dict[str, Any]]:
    """Order bodies of ``POST /v1/orders`` (``PushOrder``), in arrival order."""
    rng = np.random.default_rng(seed)
    today = date.fromisoformat(world["today"])
    skus = [it["sku"] for it in world["items"]]
    popularity = world["popularity"]
    n_repeat = max(1, int(n_orders * repeat_share / 4))  # ~4 orders each
    repeaters = [
        {"id": f"RC-{seed}-{i}", "ship_to": _address(rng, i), "carrier": str(rng.choice(CARRIERS)), "channel": "shop"}
        for i in range(n_repeat)
    ]
    orders = []
    for i in range(n_orders):
        if rng.random() < repeat_share:
            c = repeaters[int(rng.integers(0, n_repeat))]
        else:
            c = {
                "id": f"C-{seed}-{i}",
                "ship_to": _address(rng, i),
                "carrier": str(rng.choice(CARRIERS)),
                "channel": str(rng.choice(["shop", "marketplace"], p=[0.7, 0.3])),
            }
        n_lines = int(rng.choice(LINE_COUNTS, p=LINE_COUNT_P))
        picked: list[int] = []
        while len(picked) < n_lines:  # distinct SKUs by popularity
            for k in rng.choice(len(skus), n_lines - len(picked), p=popularity):
                if k not in picked:
                    picked.append(int(k))
        quantities = rng.choice(QUANTITIES, n_lines, p=QUANTITY_P)
        ship = today + timedelta(days=int(rng.integers(ship_days[0], ship_days[1] + 1)))
        body: dict[str, Any] = {
            "external_id": f"{prefix}-{seed}-{i:06d}",
            "channel": c["channel"],
            "customer_id": c["id"],
            "ship_to": c["ship_to"],
            "paid": bool(rng.random() < paid_share),
            "promised_ship_by": datetime.combine(ship, time(18, 0), tzinfo=UTC).isoformat(),
            "carrier": c["carrier"],
            "lines": [{"sku": skus[k], "quantity": int(q)} for k, q in zip(picked, quantities, strict=True)],
        }
        if rng.random() < message_share:
            body["buyer_message"] = "please leave at the back door"
        orders.append(body)
    return orders


def usable_stock(world: dict[str, Any], ship_offset_days: int = 3) -> np.ndarray:
    """(W, M) units FEFO may ship on ``today + ship_offset_days`` (wms.batches.fefo.is_usable)."""
    rows = world["stock_rows"]
    shelf = world["min_shelf_life_days"]
    w, k, exp, undated, q = rows.T
    ok = (undated == 1) | ((exp >= 0) & (exp - ship_offset_days >= shelf[k]))
    out = np.zeros((len(world["warehouses"]), len(world["items"])), dtype=np.int64)
    np.add.at(out, (w[ok], k[ok]), q[ok])
    return out


def order_arrays(world: dict[str, Any], orders: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """CSR arrays of the orders' distinct SKUs: order o has sku[offsets[o]:offsets[o+1]] with demand qty[…]."""
    index = {it["sku"]: k for k, it in enumerate(world["items"])}
    offsets, sku, qty = [0], [], []
    for o in orders:
        per: dict[int, int] = {}
        for line in o["lines"]:
            k = index[line["sku"]]
            per[k] = per.get(k, 0) + int(line["quantity"])
        sku += list(per)
        qty += list(per.values())
        offsets.append(len(sku))
    return {
        "offsets": np.array(offsets, dtype=np.int64),
        "sku": np.array(sku, dtype=np.int64),
        "qty": np.array(qty, dtype=np.int64),
        "paid": np.array([o["paid"] for o in orders]),
    }


def greedy_by_preference(demand: np.ndarray, avail: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Baseline: fill every line from the most preferred warehouse first, then the next one."""
    left = np.minimum(demand, avail.sum(axis=0)).astype(np.int64)
    q = np.zeros_like(avail)
    for w in np.argsort(ranks, kind="stable"):
        take = np.minimum(left, avail[w])
        q[w] = take
        left = left - take
    return q


def split_problems(
    world: dict[str, Any], orders: list[dict[str, Any]], *, ship_offset_days: int = 3
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """One (sku indices, demand, available (W, L)) per paid order, in arrival order.

    Stock is consumed as orders arrive, each served by a fixed reference
    policy (one warehouse when one can ship everything, else preference-order
    greedy), so later orders see scarcer stock. The policy only shapes the
    problem set; every method is then run on the same recorded problems.
    """
    arr = order_arrays(world, orders)
    left = usable_stock(world, ship_offset_days)
    ranks = np.arange(left.shape[0], dtype=np.int64)
    problems = []
    for o in range(len(orders)):
        if not arr["paid"][o]:
            continue
        k = arr["sku"][arr["offsets"][o] : arr["offsets"][o + 1]]
        d = arr["qty"][arr["offsets"][o] : arr["offsets"][o + 1]]
        avail = left[:, k].copy()
        problems.append((k, d, avail))
        fill = np.minimum(d, avail.sum(axis=0))
        whole = np.flatnonzero(np.all(avail >= fill, axis=1))
        if len(whole):
            q = np.zeros_like(avail)
            q[whole[0]] = fill
        else:
            q = greedy_by_preference(d, avail, ranks)
        left[:, k] -= q
    return problems


def describe_problems(problems: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> dict[str, float]:
    """Share of problems one warehouse cannot serve (a split is needed) and of short ones."""
    n = len(problems)
    need_split = short = 0
    for _, d, avail in problems:
        fill = np.minimum(d, avail.sum(axis=0))
        short += bool((fill < d).any())
        if fill.sum() and not np.all(avail >= fill, axis=1).any():
            need_split += 1
    return {"problems": n, "need_split_share": need_split / n, "short_share": short / n}


if __name__ == "__main__":  # quick look: python -m benchmarks.generate
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    w = make_world(7, n_warehouses=5, n_skus=5000, expected_orders=n)
    o = make_orders(w, n, seed=8)
    lines = np.array([len(x["lines"]) for x in o])
    print(
        {
            "stock_rows": len(w["stock_rows"]),
            "receipt_lines": sum(len(r["lines"]) for r in w["receipts"]),
            "orders": n,
            "lines_mean": lines.mean(),
            "one_line": (lines == 1).mean(),
            "layouts": [x["layout"]["aisles"] for x in w["warehouses"]],
        }
    )
    print(describe_problems(split_problems(w, o)))
