"""One timed ``plan_wave`` run, for comparing the numba kernels with the same code run as plain Python.

    python -m benchmarks.wave_timing b2b 1                       # numba
    NUMBA_DISABLE_JIT=1 python -m benchmarks.wave_timing b2b 1   # every kernel as plain Python

Prints one JSON line: total distance, runtime, work done. The wall-clock guard
of the search is switched off (``SEARCH_SHARE``), so that both runs do the
same fixed work (the search's budget is counted in cart lengths, not seconds)
and must return the same wave; the budget itself is sized from the time limit
as usual. Kernels are warmed up (compiled, or loaded from numba's cache)
before the clock starts. ``--orders`` and ``--limit`` shrink an instance.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from benchmarks.wave_instances import PROFILES
from wms.picking.batching import plan_wave, search
from wms.picking.kernels import warm_up


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile", choices=sorted(PROFILES))
    parser.add_argument("seed", type=int)
    parser.add_argument("--orders", type=int, default=None, help="orders in the wave (default: the profile's)")
    parser.add_argument("--limit", type=float, default=None, help="time limit s (default: the profile's)")
    args = parser.parse_args()
    options = {k: v for k, v in (("n_orders", args.orders), ("time_limit_s", args.limit)) if v is not None}
    wave = PROFILES[args.profile](args.seed, **options)
    search.SEARCH_SHARE = 1e9  # no wall-clock guard: the same work whatever the speed
    warm_up()
    started = time.perf_counter()
    result = plan_wave(wave)
    runtime = time.perf_counter() - started
    print(
        json.dumps(
            {
                "profile": args.profile,
                "seed": args.seed,
                "orders": wave.n_orders,
                "time_limit_s": wave.time_limit_s,
                "plain_python": os.environ.get("NUMBA_DISABLE_JIT") == "1",
                "total_distance": result.total_distance,
                "carts": len(result.pick_lists),
                "runtime_s": runtime,
                "status": result.status,
                "lengths_computed": result.stats.get("lengths_computed"),
            }
        )
    )


if __name__ == "__main__":
    main()
