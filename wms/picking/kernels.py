"""Compiling the routing and wave kernels ahead of need.

The first process after an install compiles every numba kernel (about a
minute on two cores) into the per-user cache (``wms.kernel_cache``); every
later process loads them in well under a second. ``wms warmup`` does it in
the foreground with progress; ``wms serve`` does it in a background thread,
so the service answers at once. A request that needs a kernel meanwhile
compiles or waits for just that kernel: numba compiles under one lock and
never compiles a kernel twice, so nothing here needs to coordinate.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Step = tuple[str, Callable[[], None]]


def warm_up_steps() -> list[Step]:
    """Routing first (routes and every wave need it), then wave planning."""
    from wms.picking.batching.planner import WARM_UP_STEPS as WAVES  # noqa: PLC0415 (imports numba)
    from wms.picking.routing.router import WARM_UP_STEPS as ROUTES  # noqa: PLC0415

    return [*ROUTES, *WAVES]


def warm_up(on_step: Callable[[str, int, int], None] | None = None) -> float:
    """Run every step (``on_step(label, done, total)`` before each and at the end); returns seconds taken."""
    started = time.perf_counter()
    steps = warm_up_steps()
    for done, (label, step) in enumerate(steps):
        if on_step:
            on_step(label, done, len(steps))
        step()
    if on_step:
        on_step("done", len(steps), len(steps))
    return time.perf_counter() - started


class BackgroundWarmUp:
    """``warm_up`` in a daemon thread; ``state`` is ``compiling``, ``ready`` or ``failed``.

    Kernels belong to the process: use ``in_background()``, which starts one per process.
    """

    def __init__(self) -> None:
        self.state = "compiling"
        self.seconds: float | None = None
        self._thread = threading.Thread(target=self._run, name="kernel-warm-up", daemon=True)

    def start(self) -> BackgroundWarmUp:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.seconds = warm_up()
            self.state = "ready"
            log.info("routing and wave kernels ready in %.1f s", self.seconds)
        except Exception:  # noqa: BLE001 - a request needing a kernel compiles it itself
            self.state = "failed"
            log.exception("compiling the kernels in the background failed")


_process_warm_up: BackgroundWarmUp | None = None
_lock = threading.Lock()


def in_background() -> BackgroundWarmUp:
    """This process's background warm-up, started on first call."""
    global _process_warm_up  # noqa: PLW0603 - one per process, like the kernels themselves
    with _lock:
        if _process_warm_up is None:
            _process_warm_up = BackgroundWarmUp().start()
        return _process_warm_up
