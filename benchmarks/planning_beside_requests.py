"""What a wave being planned leaves to the requests its process serves at the same time.

    python -m benchmarks.planning_beside_requests [--orders 1000] [--limit 2] [--rounds 3]

``wms serve`` plans a wave in a thread of the process that serves requests (a small wave in the request
itself, a large one in the in-process dispatcher). Its kernels release the GIL (``nogil=True``), so the
process's other threads keep answering while it plans. This measures it: a request-like Python loop (a
small dict rendered to JSON and parsed back, as an answer is) runs in the main thread while another
thread plans an e-commerce wave, against the same loop alone for the same time (the hand-written limit),
interleaved and repeated. Printed per round: the loop's rate beside the planner as a fraction of its rate
alone, and the longest stall between two of its iterations (what a request waits behind the planner).
With the GIL held by the kernels, the fraction falls towards 0 and the stall to a kernel call's length.
Needs two free cores to show 1.0: on a loaded machine read the stall.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time

from benchmarks.wave_instances import ecommerce
from wms.picking.batching import plan_wave
from wms.picking.batching.problem import BatchingProblem
from wms.picking.kernels import dispatchers, warm_up

ANSWER = {"id": 1234, "status": "claimed", "stops": [{"id": i, "sku": f"SKU-{i}", "quantity": 2} for i in range(8)]}


def spin(until: threading.Event | float) -> tuple[int, float]:
    """Iterations of the request-like loop until the event is set (or the clock passes a time), and the
    longest gap between two of them in seconds."""
    count, longest, last = 0, 0.0, time.perf_counter()
    while not (until.is_set() if isinstance(until, threading.Event) else last >= until):
        json.loads(json.dumps(ANSWER))
        now = time.perf_counter()
        longest, last, count = max(longest, now - last), now, count + 1
    return count, longest


def beside_planner(wave: BatchingProblem) -> tuple[float, int, float]:
    """Plan in a thread while spinning here: (planning seconds, iterations, longest gap)."""
    done = threading.Event()

    def plan() -> None:
        plan_wave(wave)
        done.set()

    started = time.perf_counter()
    worker = threading.Thread(target=plan)
    worker.start()
    count, longest = spin(done)
    worker.join()
    return time.perf_counter() - started, count, longest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--limit", type=float, default=2.0, help="the wave's time limit, s")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    warm_up()
    kernels = dispatchers()
    releasing = sum(bool(k.targetoptions.get("nogil")) for k in kernels)
    print(f"kernels releasing the GIL: {releasing} of {len(kernels)}")
    wave = ecommerce(args.seed, n_orders=args.orders, time_limit_s=args.limit)
    fractions, stalls = [], []
    for r in range(args.rounds):
        seconds, beside, stall = beside_planner(wave)
        alone, alone_stall = spin(time.perf_counter() + seconds)
        fractions.append(beside / alone)
        stalls.append(stall)
        print(
            f"round {r + 1}: planned {seconds:.2f} s; loop beside it {beside:,} iterations, alone {alone:,} "
            f"→ {beside / alone:.2f}; longest stall {stall * 1000:.1f} ms beside, {alone_stall * 1000:.1f} ms alone"
        )
    print(
        f"median: {statistics.median(fractions):.2f} of the loop's rate alone; "
        f"longest stall {statistics.median(stalls) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
