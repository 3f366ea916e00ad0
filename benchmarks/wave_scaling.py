"""Plan time against wave size: e-commerce waves of 100 … 20,000 orders (on demand).

    python -m benchmarks.wave_scaling                                   # 100, 300, 1000, 3000, 10000, 20000
    python -m benchmarks.wave_scaling --sizes 100,1000 --seed 2 --plot  # also benchmarks/plots/wave_scaling.png
    python -m benchmarks.wave_scaling --sizes 1000 --no-guard --seed 3  # distances comparable across runs
    python -m benchmarks.wave_scaling --profile b2b --sizes 100,1000 --limit 2

For each size: one ``plan_wave`` of the profile's instance (``wave_instances``,
same seed), timed wall clock after a warm-up, its set-up time (jobs,
candidate lists and the seed algorithm: ``stats["setup_s"]``), the status, and
the distance against FCFS + exact routing and against FCFS + the classic
S-shape (``plan_fcfs(wave, "traversal")``). Then the log-log
slope of plan time (and of set-up time) against the number of orders, fitted
by least squares. The time limit is the profile's (10 s for e-commerce) at
every size unless ``--limit`` is given; the search's work budget is sized from
it as in production, so past a few thousand orders the improvement phase is
bounded and the curve shows what does not shrink with the limit.
``--no-guard`` switches the wall-clock guard off (as ``wave_timing``): the
search then does its fixed work whatever the machine's load, so distances are
reproducible and comparable between versions. ``--json`` prints one JSON line per size as well. ``--plot [PATH]`` needs
matplotlib (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from benchmarks.wave_instances import PROFILES
from wms.picking.batching import plan_fcfs, plan_wave, search
from wms.picking.kernels import warm_up

SIZES = (100, 300, 1000, 3000, 10000, 20000)
PLOT = Path(__file__).parent / "plots" / "wave_scaling.png"


def slope(sizes: list[int], times: list[float]) -> float:
    """Least-squares slope of log(time) against log(size)."""
    if len(sizes) < 2:
        return math.nan
    return float(np.polyfit(np.log(sizes), np.log(np.maximum(times, 1e-9)), 1)[0])


def measure(profile: str, n: int, seed: int, limit: float | None) -> dict:
    options = {"n_orders": n} if limit is None else {"n_orders": n, "time_limit_s": limit}
    wave = PROFILES[profile](seed, **options)
    fcfs = plan_fcfs(wave).total_distance
    fcfs_s = plan_fcfs(wave, "traversal").total_distance  # the classic S-shape of the literature
    started = time.perf_counter()
    ours = plan_wave(wave)
    runtime = time.perf_counter() - started
    return {
        "profile": profile,
        "orders": n,
        "seed": seed,
        "time_limit_s": wave.time_limit_s,
        "plan_s": runtime,
        "setup_s": float(ours.stats.get("setup_s", math.nan)),
        "status": ours.status,
        "carts": len(ours.pick_lists),
        "fcfs_exact_m": fcfs,
        "fcfs_traversal_m": fcfs_s,
        "ours_m": ours.total_distance,
        "ratio": ours.total_distance / fcfs,
        "ratio_traversal": ours.total_distance / fcfs_s,
    }


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib  # optional: the bench extra

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["orders"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, style, name in (("plan_s", "o-", "plan time"), ("setup_s", "s--", "set-up")):
        t = [r[key] for r in rows]
        ax.loglog(n, t, style, label=f"{name} (slope {slope(n, t):.2f})")
    ax.set_xlabel("orders in the wave")
    ax.set_ylabel("seconds")
    ax.set_title(f"plan_wave, {rows[0]['profile']} seed {rows[0]['seed']}, limit {rows[0]['time_limit_s']:g} s")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="ecommerce")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=float, default=None, help="time limit s (default: the profile's)")
    parser.add_argument("--no-guard", action="store_true", help="no wall-clock guard: the same work at any speed")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--plot", nargs="?", const=str(PLOT), default=None, help=f"save a PNG (default {PLOT})")
    args = parser.parse_args()
    if args.no_guard:
        search.SEARCH_SHARE = 1e9  # as in wave_timing: the fixed work budget alone ends the search
    warm_up()
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        row = measure(args.profile, n, args.seed, args.limit)
        rows.append(row)
        print(
            f"{row['profile']} {n:6d} orders seed {row['seed']}: plan {row['plan_s']:7.2f} s  "
            f"set-up {row['setup_s']:7.2f} s  {row['status']:10s} carts {row['carts']:5d}  "
            f"ours/FCFS+exact {row['ratio']:.3f}  ours/FCFS+S (classic) {row['ratio_traversal']:.3f}",
            flush=True,
        )
        if args.json:
            print(json.dumps(row), flush=True)
    sizes = [r["orders"] for r in rows]
    print(
        f"log-log slope: plan time {slope(sizes, [r['plan_s'] for r in rows]):.2f}, "
        f"set-up {slope(sizes, [r['setup_s'] for r in rows]):.2f} ({sizes[0]}-{sizes[-1]} orders)"
    )
    if args.plot:
        plot(rows, Path(args.plot))
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
