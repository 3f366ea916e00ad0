"""One leader among the processes sharing a database: the one that runs what should run once.

``wms serve --workers N``, several ``wms serve`` on several machines: every process serves requests and
relays webhooks (per-webhook leases, ``wms.events.claims``), but the job sweeper and the hourly
housekeeping run in one of them only, the leader. Who leads is decided by the database they share:

* PostgreSQL: a session-level advisory lock, ``pg_try_advisory_lock(LOCK_KEY)``, taken on a connection of
  the leader's own (not one of the pool's) and held as long as that connection lives. A process that dies,
  or whose connection breaks, loses the lock with its session; another takes it at its next try. Advisory
  locks belong to one database, so installs in other databases of the same server do not compete. The
  connection's ``application_name`` is ``wms-leader-<pid>``: ``pg_stat_activity`` shows who leads.
* SQLite (one machine): ``fcntl.flock`` on ``<database file>.leader``; the kernel releases it when the
  process exits, however it exits. An in-memory database has one process: it always leads.

Every process tries every ``leader_retry_s`` seconds; the leader checks its connection as often (a broken
one ends its leadership at once). Leadership is how the work is kept from running N times, not what makes
it correct: for a moment after a network failure two processes may both believe they lead (the old one until
its check fails), and what they run is safe twice: a wave is planned under its own lease
(``wms.picking.waves.run_planning``), and purging expired Idempotency-Keys twice deletes nothing more.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from wms.db import CONNECT_TIMEOUT_S
from wms.periodic import PassLog

log = logging.getLogger(__name__)
LOCK_KEY = 0x776D735F6C656164  # "wms_lead": one bigint advisory lock key, per database
# the rows of pg_locks (as ``l``) that are the leader's lock of this database: pg_locks shows every database's
# locks, and every install on the server uses the same key (who leads here: join pg_stat_activity on pid)
HELD_HERE = (
    "l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = :key "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class _Lock(Protocol):
    def acquire(self) -> bool: ...
    def check(self) -> bool: ...
    def release(self) -> None: ...


class AdvisoryLock:
    """``pg_try_advisory_lock`` on a dedicated connection (autocommit, TCP keepalives: a dead peer is noticed)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = create_engine(
            engine.url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={
                "connect_timeout": CONNECT_TIMEOUT_S,
                "application_name": f"wms-leader-{os.getpid()}",
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 5,
                "keepalives_count": 3,
            },
        )
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        conn = self._engine.connect()
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def check(self) -> bool:
        """Whether the session holding the lock is still alive (then the lock is held: only it can unlock)."""
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            return True
        except Exception:
            self._drop()
            return False

    def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.invalidate()
                conn.close()
            except Exception:
                log.debug("closing a broken leader connection failed", exc_info=True)

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                conn.close()
            except Exception:
                self._conn = conn
                self._drop()  # closing the session releases it anyway
        self._engine.dispose()


class FileLock:
    """``flock`` on a file beside the SQLite database (``path``); None: in memory, always held."""

    def __init__(self, path: Path | None) -> None:
        self._path, self._fd = path, None  # type: tuple[Path | None, int | None]

    def acquire(self) -> bool:
        if self._path is None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def check(self) -> bool:
        return self._path is None or self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor of the open file releases the lock


def lock_for(engine: Engine) -> _Lock:
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and (not database or database == ":memory:" or database.startswith("file:")):
        return FileLock(None)
    return FileLock(Path(f"{database}.leader"))


class Leadership:
    """Tries to lead every ``retry_s``; ``held()`` says whether this process leads now."""

    def __init__(self, engine: Engine, retry_s: float, lock: _Lock | None = None) -> None:
        self._lock = lock or lock_for(engine)
        self._retry = retry_s
        self._held = False
        self._elected: list[Callable[[], object]] = []
        self._log = PassLog("leader")
        self._stop = threading.Event()
        self._mutex = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="leader", daemon=True)

    def held(self) -> bool:
        return self._held

    def on_elected(self, *callbacks: Callable[[], object]) -> None:
        """Call these each time this process becomes the leader (e.g. wake the jobs only it runs)."""
        self._elected.extend(callbacks)

    def start(self) -> None:
        """A first try at once (so the leader's jobs start with it), then one every ``retry_s``."""
        self.step()
        self._thread.start()

    def stop(self) -> None:
        """Stop trying, and let another process lead at once."""
        self._stop.set()
        if self._thread.ident is not None:  # started
            self._thread.join(10)
        with self._mutex:
            was, self._held = self._held, False
            try:
                self._lock.release()
            except Exception:
                log.exception("leader: releasing the lock failed")
        if was:
            log.info("leader: process %d stops leading", os.getpid())

    def step(self) -> None:
        with self._mutex:
            if self._stop.is_set():
                return
            if self._held and not self._lock.check():
                self._held = False
                log.warning("leader: process %d lost its lock; trying again every %g s", os.getpid(), self._retry)
            if self._held:
                return
            try:
                self._held = self._lock.acquire()
                self._log.succeeded()
            except Exception as exc:
                self._log.failed(exc)
                return
            if not self._held:
                return
            log.info("leader: process %d now runs the job sweeper and housekeeping", os.getpid())
        for callback in self._elected:
            callback()

    def _run(self) -> None:
        while not self._stop.wait(self._retry):
            self.step()
