"""A serving process's long-lived heap, kept out of the garbage collector's full passes.

A process of ``wms serve`` holds about 285,000 objects once it has started (FastAPI's routes, SQLAlchemy's
mappers, pydantic's validators, numba's kernels, OR-Tools): a full collection walks all of them, ≈ 180 ms
during which the process answers nothing (the GIL is held), and churn sets one off (a bulk push of 2,000
orders did in three runs of four). They live as long as the process, so once it has started they are collected
once and moved to the permanent generation (``gc.freeze``): later full collections walk only what requests made
since. What requests in flight at that moment hold is frozen with them, a one-off of a few objects. Only the
serving processes do this, not a library user's or a test's process (it would keep whatever they hold at that
moment forever).
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def settle() -> int:
    """Collect once, then freeze every object alive now; returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def settle_when(ready: Callable[[], None], done: threading.Event | None = None) -> threading.Thread:
    """``settle`` in a daemon thread once ``ready()`` returns (the process's start: its kernels loaded);
    ``done`` is set afterwards."""

    def run() -> None:
        ready()
        log.info("heap settled: %d long-lived objects left out of full collections", settle())
        if done is not None:
            done.set()

    thread = threading.Thread(target=run, name="heap-settle", daemon=True)
    thread.start()
    return thread
