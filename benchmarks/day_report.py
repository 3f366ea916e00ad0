"""The day simulation's end: the invariants checked in the database, figures per stage, the plot (``benchmarks.day``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from benchmarks.soak import Call, pct, summarize
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from wms.orders.lifecycle import STATUSES

PLOT = Path(__file__).parent / "plots" / "day_waves.png"


STATUS_COUNTS = "SELECT status, count(*) FROM orders GROUP BY status"


ORDERS_SEEN = "SELECT channel, external_id, count(*) AS n FROM orders GROUP BY channel, external_id"


SHIPPED_TWICE = """
SELECT shipment_id FROM shipment_transitions WHERE to_status = 'shipped' GROUP BY shipment_id HAVING count(*) > 1
"""


SHIPPED_ABOVE_ORDERED = """
SELECT ol.id FROM order_lines ol
JOIN shipment_lines sl ON sl.order_line_id = ol.id
JOIN shipments sh ON sh.id = sl.shipment_id AND sh.status = 'shipped'
GROUP BY ol.id, ol.quantity HAVING sum(sl.quantity) > ol.quantity
"""


def check(engine: Engine, day: dict[str, Any], pushed: dict[str, str]) -> dict[str, Any]:
    """The invariants, in the database: each as ``{"ok": bool, "detail": ...}``; plus the order statuses."""
    out: dict[str, Any] = {}

    def run(name: str, fn: Any) -> None:
        try:
            detail = fn()
            out[name] = {"ok": not detail, **({"detail": detail} if detail else {})}
        except AssertionError as exc:
            out[name] = {"ok": False, "detail": str(exc)[:2000]}

    run("stock_vs_ledger_and_bounds", lambda: assert_stock_invariants(engine))
    run("reservations_vs_allocations", lambda: assert_reservations_consistent(engine))
    with engine.connect() as conn:
        statuses: dict[str, int] = {r[0]: r[1] for r in conn.execute(text(STATUS_COUNTS))}
        seen = {(r.channel, r.external_id): r.n for r in conn.execute(text(ORDERS_SEEN))}
        twice = [r[0] for r in conn.execute(text(SHIPPED_TWICE))]
        above = [r[0] for r in conn.execute(text(SHIPPED_ABOVE_ORDERED))]
    expected = {(o["channel"], o["external_id"]) for o in day["orders"]}
    missing = sorted(e for _, e in expected - set(seen))
    run("every_order_pushed", lambda: sorted(e for e in (o["external_id"] for o in day["orders"]) if e not in pushed))
    run("every_order_in_db_once", lambda: missing[:20] + [f"{e}×{n}" for (_, e), n in seen.items() if n != 1][:20])
    run(
        "no_unknown_orders_or_status",
        lambda: [str(k) for k in set(seen) - expected][:20] + sorted(set(statuses) - set(STATUSES)),
    )
    run("no_shipment_shipped_twice", lambda: twice[:20])
    run("no_line_shipped_above_ordered", lambda: above[:20])
    return {"ok": all(v["ok"] for v in out.values()), "checks": out, "order_status": statuses}


def stage_figures(calls: list[Call], units: int | None, unit: str) -> dict[str, Any]:
    """Wall time (first call start → last answer), requests/s, ``unit``/s, per endpoint count and p50/p95/p99."""
    if not calls:
        return {"requests": 0}
    start = min(c.at - c.ms / 1000 for c in calls)
    wall = max(c.at for c in calls) - start
    per = summarize(calls)
    endpoints = {
        op: {
            "count": s["count"],
            "p50_ms": s["p50_ms"],
            "p95_ms": pct([c.ms for c in calls if (op == "ALL" or c.op == op) and c.status], 95),
            "p99_ms": s["p99_ms"],
            "2xx": s["2xx"],
            "4xx": s["4xx"],
            "5xx": s["5xx"],
            "no_answer": s["no_answer"],
        }
        for op, s in per.items()
    }
    out = {"wall_s": round(wall, 2), "requests": len(calls), "requests_per_s": round(len(calls) / max(wall, 1e-9), 1)}
    if units is not None:
        out[unit] = units
        out[f"{unit}_per_s"] = round(units / max(wall, 1e-9), 2)
    return {**out, "endpoints": endpoints}


def plot_waves(waves: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for bg, marker, label in ((False, "o", "201 (planned in the request)"), (True, "s", "202 (background)")):
        ws = [w for w in waves if w["background"] == bg]
        if ws:
            ax.scatter([w["orders"] for w in ws], [w["plan_s"] for w in ws], marker=marker, label=label)
    ax.set_xlabel("wave size (orders)")
    ax.set_ylabel("plan time as the planner saw it (s)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def summary_lines(f: dict[str, Any]) -> str:
    """A few lines for a person: the stages, the waves, memory, the checks."""
    out = [f"{f['orders']:,}-order day ({f['profile']}, seed {f['seed']}): {f['wall_s']}"]
    for stage, s in f["stages"].items():
        rate = next((f"{v} {k}" for k, v in s.items() if k.endswith("_per_s") and k != "requests_per_s"), "")
        out.append(f"  {stage:8s} wall {s.get('wall_s', 0):8.1f} s  {s.get('requests_per_s', 0):7.1f} req/s  {rate}")
    w = f["waves"]
    out.append(
        f"  waves: {w['count']} ({w['background']} in the background), plan p50 {w['plan_s_p50']} s, "
        f"max {w['plan_s_max']} s, {w['ms_per_order']} ms/order"
    )
    cpu = f.get("cpu_s", {})
    per_order = {k: round(1000 * v / f["orders"], 1) for k, v in cpu.items()}
    out.append(f"  CPU s over the day: {cpu} (ms per order pushed: {per_order})")
    if "autovacuum" in f:
        av = f["autovacuum"]
        out.append(
            f"  autovacuum: the server's {'on' if av['server'] else 'off'}; by the benchmark: {av['by_the_benchmark']}"
        )
    out.append(f"  server memory: {f['server_memory']}; load {f['load_before']} → {f['load_after']}")
    out.append(f"  orders: {f['invariants']['order_status']}; counts: {f['counts']}")
    out.append(
        f"  invariants: {'OK' if f['invariants']['ok'] else 'FAILED'} "
        f"{ {k: v['ok'] for k, v in f['invariants']['checks'].items()} }"
    )
    return "\n".join(out)
