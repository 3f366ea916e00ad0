"""PostgreSQL's autovacuum, done by the benchmark for its own database when the server has it turned off.

A production PostgreSQL runs autovacuum: it analyzes a table once ``autovacuum_analyze_threshold +
autovacuum_analyze_scale_factor × rows`` rows have changed (50 + 10 % by default) and vacuums it once
``autovacuum_vacuum_threshold + autovacuum_vacuum_scale_factor × rows`` rows are dead (50 + 20 %). Some
shared servers (these machines' among them) run with ``autovacuum = off``. A day's tables grow from empty,
so without it the planner keeps the statistics of the start: it thinks ``orders`` or ``stock_operations``
hold no rows, scans them whole, and every connection keeps the plans it made then (the foreign-key checks
among them) for the whole day. That is a server we would not ship to, so the day measures the one we
would: this thread applies autovacuum's rules, with the server's own settings, to the day's database every
few seconds. Its work is done by a backend of that database, so the day's PostgreSQL CPU includes it.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

_DUE = text(
    """
    SELECT t.relname, n_dead_tup > :v_base + :v_scale * greatest(c.reltuples, 0) AS vacuum
    FROM pg_stat_user_tables t JOIN pg_class c ON c.oid = t.relid
    WHERE n_dead_tup > :v_base + :v_scale * greatest(c.reltuples, 0)
       OR n_mod_since_analyze > :a_base + :a_scale * greatest(c.reltuples, 0)
    ORDER BY t.relname
    """
)
_SETTINGS = {
    "v_base": "autovacuum_vacuum_threshold",
    "v_scale": "autovacuum_vacuum_scale_factor",
    "a_base": "autovacuum_analyze_threshold",
    "a_scale": "autovacuum_analyze_scale_factor",
}


def server_autovacuum(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.scalar(text("SHOW autovacuum")) == "on"


class Autovacuum:
    """Every ``every_s``, VACUUM (ANALYZE) or ANALYZE the tables of ``engine``'s database that autovacuum
    would take now; ``stop()`` returns how many times it did each."""

    def __init__(self, engine: Engine, every_s: float = 5.0) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="autovacuum")
        self.done: dict[str, int] = {"vacuum": 0, "analyze": 0}
        self._failed: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # handed to stop(), which raises it
            self._failed = exc

    def _work(self) -> None:
        with self._engine.connect() as conn:
            params: dict[str, Any] = {k: float(conn.scalar(text(f"SHOW {v}"))) for k, v in _SETTINGS.items()}
            while not self._stop.wait(self._every):
                for name, vacuum in conn.execute(_DUE, params).all():
                    quoted = '"' + name.replace('"', '""') + '"'
                    conn.execute(text(f"VACUUM (ANALYZE) {quoted}" if vacuum else f"ANALYZE {quoted}"))
                    self.done["vacuum" if vacuum else "analyze"] += 1

    def stop(self) -> dict[str, int]:
        self._stop.set()
        self._thread.join()
        if self._failed is not None:
            raise RuntimeError("the benchmark's autovacuum failed") from self._failed
        return dict(self.done)
