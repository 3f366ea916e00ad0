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
    """``when``: a pass runs only while it says yes (e.g. while this process is the leader, see
    ``wms.jobs.leader``); ``wake()`` starts the next pass at once."""

    def __init__(
        self, name: str, interval_s: float, run_pass: Callable[[], object], when: Callable[[], bool] | None = None
    ) -> None:
        self._interval, self._pass, self._when = interval_s, run_pass, when
        self._log = PassLog(name)
        self._stop, self._wake = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            if self._when is None or self._when():
                try:
                    self._pass()
                    self._log.succeeded()
                except Exception as exc:
                    self._log.failed(exc)
            self._wake.wait(self._interval)
