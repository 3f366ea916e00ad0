"""A daemon thread that runs one pass every ``interval_s`` until stopped (relays, sweepers, housekeeping)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from wms.db import is_unavailable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(self, name: str, interval_s: float, run_pass: Callable[[], object]) -> None:
        self._name, self._interval, self._pass = name, interval_s, run_pass
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._database_down = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._pass()
                if self._database_down:
                    log.warning("%s: the database is back", self._name)
                self._database_down = False
            except Exception as exc:  # noqa: BLE001 - the thread must outlive a bad pass
                if not is_unavailable(exc):
                    log.exception("%s: pass failed", self._name)
                elif not self._database_down:  # one line per outage, not one per pass
                    log.warning("%s: the database is unavailable; retrying every %.0f s", self._name, self._interval)
                    self._database_down = True
            self._stop.wait(self._interval)
