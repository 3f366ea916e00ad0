"""A daemon thread that runs one pass every ``interval_s`` until stopped (relays, sweepers, housekeeping)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from wms.db import is_unavailable

log = logging.getLogger(__name__)


class PassLog:
    """How a background thread reports a failed pass: a database outage as one line when it starts and one
    when it ends (not a traceback every pass), anything else with its traceback."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._database_down = False

    def succeeded(self) -> None:
        if self._database_down:
            log.warning("%s: the database is back", self.name)
        self._database_down = False

    def failed(self, exc: BaseException) -> None:
        if not is_unavailable(exc):
            log.error("%s: pass failed", self.name, exc_info=exc)
        elif not self._database_down:
            log.warning("%s: the database is unavailable; retrying", self.name)
            self._database_down = True


class Periodic:
    def __init__(self, name: str, interval_s: float, run_pass: Callable[[], object]) -> None:
        self._interval, self._pass = interval_s, run_pass
        self._log = PassLog(name)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._pass()
                self._log.succeeded()
            except Exception as exc:
                self._log.failed(exc)
            self._stop.wait(self._interval)
