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

import importlib
import logging
import pkgutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wms.kernel_cache import prune

log = logging.getLogger(__name__)

Step = tuple[str, Callable[[], object]]


def warm_up_steps() -> list[Step]:
    """Routing first (routes and every wave need it), then wave planning."""
    from wms.picking.batching.planner import WARM_UP_STEPS as WAVES  # noqa: PLC0415 (imports numba)
    from wms.picking.routing.router import WARM_UP_STEPS as ROUTES  # noqa: PLC0415

    return [*ROUTES, *WAVES]


def dispatchers() -> list[Any]:
    """Every numba kernel of routing and wave planning (inlined ones aside: they are never compiled alone)."""
    from numba.core.registry import CPUDispatcher  # noqa: PLC0415

    import wms.picking.batching as batching  # noqa: PLC0415
    import wms.picking.routing as routing  # noqa: PLC0415

    found = []
    for package in (routing, batching):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            found += [
                obj
                for obj in vars(module).values()
                if isinstance(obj, CPUDispatcher)
                and obj.py_func.__module__ == module.__name__
                and obj.targetoptions.get("inline") != "always"
            ]
    return found


def compiled_count() -> int:
    """How many kernel signatures this process compiled (rather than loaded from the cache)."""
    return sum(sum(d.stats.cache_misses.values()) for d in dispatchers())


@dataclass(frozen=True)
class WarmUp:
    seconds: float
    compiled: int  # kernel signatures compiled by this warm-up; 0 when all came from the cache


def warm_up(on_step: Callable[[str, int, int], None] | None = None) -> WarmUp:
    """Run every step (``on_step(label, done, total)`` before each and at the end)."""
    started, before = time.perf_counter(), compiled_count()
    steps = warm_up_steps()
    for done, (label, step) in enumerate(steps):
        if on_step:
            on_step(label, done, len(steps))
        step()
    if on_step:
        on_step("done", len(steps), len(steps))
    try:
        prune()  # other sources' compiled kernels, unused for long
    except OSError:
        log.warning("could not prune old kernel caches", exc_info=True)
    return WarmUp(time.perf_counter() - started, compiled_count() - before)


class BackgroundWarmUp:
    """``warm_up`` in a daemon thread; ``state`` is ``compiling``, ``ready`` or ``failed``.

    Kernels belong to the process: use ``in_background()``, which starts one per process.
    """

    def __init__(self) -> None:
        self.state = "compiling"
        self.result: WarmUp | None = None
        self._thread = threading.Thread(target=self._run, name="kernel-warm-up", daemon=True)

    def start(self) -> BackgroundWarmUp:
        self._thread.start()
        return self

    def wait(self) -> None:
        """Until the warm-up has ended, ready or failed."""
        self._thread.join()

    def _run(self) -> None:
        try:
            self.result = warm_up()
            self.state = "ready"
            log.info(
                "routing and wave kernels ready in %.1f s (%d compiled)", self.result.seconds, self.result.compiled
            )
        except Exception:
            self.state = "failed"
            log.exception("compiling the kernels in the background failed")


_process_warm_up: BackgroundWarmUp | None = None
_lock = threading.Lock()


def in_background() -> BackgroundWarmUp:
    """This process's background warm-up, started on first call."""
    global _process_warm_up
    with _lock:
        if _process_warm_up is None:
            _process_warm_up = BackgroundWarmUp().start()
        return _process_warm_up
