"""Engine, sessions and the unit of work.

SQLite (embedded default): WAL, a busy timeout, foreign keys on, and every
transaction starts with ``BEGIN IMMEDIATE`` so writers queue instead of
failing half-way. PostgreSQL: READ COMMITTED; stock counters are changed in
SQL and rows locked in key order, and deadlocks or serialization failures
make the whole use case run again (``UnitOfWork.run``). A unique violation is
not retried (the same insert would fail again): it becomes a ``Duplicate``
conflict naming what exists (``wms.uniques``).

Within a request (``track_commits``), the units of work remember whether any of
them committed or sent COMMIT: once one has, a database failure no longer means
"nothing was done" (a COMMIT whose reply was lost may have gone through, and a
bulk push or a write followed by a read has done part of its work).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, Table, create_engine, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from wms.config import Settings
from wms.orm import utcnow
from wms.uniques import duplicate_of

T = TypeVar("T")

RETRYABLE_PG_CODES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
# the server is gone, shutting down, full, or has no schema yet: nothing the request can fix
UNAVAILABLE_PG_CODES = {"57P01", "57P02", "57P03", "53300", "42P01"}
CONNECT_TIMEOUT_S = 5
READ_ONLY = "wms_read_only"
IN_CHUNK = 10_000  # ids per IN list (PostgreSQL takes at most 65535 parameters in a statement)
COMMIT_SENT = "wms_commit_sent"  # in a connection's info: the COMMIT of its current transaction went out
_commits: ContextVar[list[bool] | None] = ContextVar("wms_commits", default=None)
PING_AFTER_IDLE_S = 1.0  # a pooled connection that rested longer is pinged before use (_ping_when_idle)
_RESTED_SINCE = "wms_rested_since"


@contextmanager
def track_commits() -> Iterator[None]:
    """Within the block (one request), remember whether a unit of work committed or sent COMMIT (then it
    may have committed): ``committed_here`` tells. Threads given the block's context (a thread pool's
    ``run_sync``) report into it too."""
    token = _commits.set([])
    try:
        yield
    finally:
        _commits.reset(token)


def committed_here() -> bool:
    """Whether work of the current ``track_commits`` block was committed, or may have been."""
    return bool(_commits.get())


def _note_commit() -> None:
    seen = _commits.get()
    if seen is not None and not seen:
        seen.append(True)


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        engine = create_engine(
            settings.database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
        )
        _configure_sqlite(engine)
    else:
        engine = create_engine(
            settings.database_url,
            pool_size=10,
            max_overflow=20,
            pool_timeout=10,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
        )
        _ping_when_idle(engine)
    _mark_commits(engine)
    return engine


def _ping_when_idle(engine: Engine, idle_s: float = PING_AFTER_IDLE_S) -> None:
    """``pool_pre_ping``, but only for a connection that rested in the pool more than ``idle_s``.

    A ping is one round trip at every checkout, and a request checks out up to three connections (its token,
    its scope, its work): under load that was a tenth of a scan's server time. A connection that served
    another request a moment ago is as good as a ping's answer; one that rested longer (the server may have
    restarted, a proxy may have cut it) is pinged, and replaced when it does not answer (SQLAlchemy's
    ``DisconnectionError`` recipe). Should the database go away within ``idle_s`` of a connection's last
    use, its next statement fails as any statement in flight would (a 503 the client retries) and
    SQLAlchemy drops the pool's older connections."""

    @event.listens_for(engine, "connect")
    def _connected(_: object, record: Any) -> None:
        record.info[_RESTED_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _rested(_: object, record: Any) -> None:
        record.info[_RESTED_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _: object) -> None:
        if time.monotonic() - record.info.get(_RESTED_SINCE, 0.0) <= idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises for a dead connection: get another one
            raise DisconnectionError("the pooled connection did not answer a ping") from exc


def _mark_commits(engine: Engine) -> None:
    """Marks a connection when the COMMIT of its transaction goes out (see ``UnitOfWork.commit``)."""

    @event.listens_for(engine, "begin")
    def _begun(conn):
        conn.info[COMMIT_SENT] = False

    @event.listens_for(engine, "commit")
    def _committing(conn):
        conn.info[COMMIT_SENT] = True


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # writers queue for the lock up front; read-only sessions read a WAL snapshot beside them
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def _read_bind(engine: Engine) -> Engine:
    """The engine of reads. On PostgreSQL they run in autocommit: at READ COMMITTED every statement sees its
    own snapshot in a transaction too, so a read loses nothing and saves two round trips (BEGIN, and COMMIT or
    ROLLBACK) and the server a transaction. On SQLite a read-only transaction: a WAL snapshot, no write lock."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(**{READ_ONLY: True}, isolation_level="AUTOCOMMIT")
    return engine.execution_options(**{READ_ONLY: True})


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for use cases; ``read_only`` ones never take SQLite's write lock, and on PostgreSQL run in
    autocommit (``_read_bind``): what they write, they must not (a read-only unit of work commits at its end
    all the same)."""
    from wms.events.outbox import install  # noqa: PLC0415 (events import the ORM base, not db)

    factory = sessionmaker(bind=_read_bind(engine) if read_only else engine, expire_on_commit=False, autoflush=True)
    install(factory)
    return factory


def point_reads(engine: Engine) -> Callable[[], Connection]:
    """Connections for a read of one statement (every request's token), as a read session's: on PostgreSQL
    one round trip (the read alone), on SQLite a read-only transaction. Use as ``with connect() as conn``."""
    return _read_bind(engine).connect


def core(session: Session) -> Connection:
    """The session's connection, for a Core statement built once (no ORM step), after the session's pending
    changes are flushed as an ORM query would (unless autoflush is off, as in ``no_autoflush``)."""
    if session.autoflush:
        session.flush()
    return session.connection()


def dialect_insert(session: Session, table: type | Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of the session's database that can say ``on_conflict_do_nothing`` / ``_do_update``."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(table)


def is_retryable(exc: BaseException) -> bool:
    """Deadlock, serialization failure (PostgreSQL) or a busy database (SQLite)."""
    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in RETRYABLE_PG_CODES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot serve at all: unreachable, restarting, out of connections, or without its schema."""
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout)):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None) or ""
    return exc.connection_invalidated or code.startswith("08") or code in UNAVAILABLE_PG_CODES


class UnitOfWork:
    """One use case, one transaction. Rolls back unless ``commit`` was called.

    ``before_commit`` hooks run inside the transaction just before it commits
    (the API uses one to claim the request's Idempotency-Key atomically with
    the work it did). ``answer_hooks`` run there too, first, and get what the
    work returned (the API stores a request's answer with its work on routes
    that ask for it: ``wms.api.idempotency.ATOMIC``).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        retry_attempts: int = 8,
        read_factory: sessionmaker[Session] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._read_factory = read_factory or session_factory
        self._read_only = False
        self._retry_attempts = retry_attempts
        self.before_commit: list[Callable[[Session], None]] = []
        self.answer_hooks: list[Callable[[Session, object], None]] = []
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside 'with'")
        return self._session

    @property
    def factory(self) -> sessionmaker[Session]:
        """The session factory of writing work (for code that manages its own transactions)."""
        return self._session_factory

    def __enter__(self) -> UnitOfWork:
        self._session = (self._read_factory if self._read_only else self._session_factory)()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None

    def commit(self) -> None:
        for hook in self.before_commit:
            hook(self.session)
        marks = self.session.connection().info
        try:
            self.session.commit()
        except DBAPIError:
            if marks.get(COMMIT_SENT):  # failed after COMMIT went out: it may have committed
                _note_commit()
            raise
        _note_commit()

    def run(self, work: Callable[[UnitOfWork], T], *, read_only: bool = False) -> T:
        """Run ``work`` in a transaction, committing it; retried on deadlocks."""
        attempt = 0
        while True:
            attempt += 1
            try:
                self._read_only = read_only
                with self:
                    result = work(self)
                    if read_only:
                        self.session.commit()  # ends the transaction without expiring what it loaded
                    else:
                        for hook in self.answer_hooks:
                            hook(self.session, result)
                        self.commit()
                    return result
            except IntegrityError as exc:  # rolled back by __exit__: the connection goes back clean
                duplicate = duplicate_of(exc)
                if duplicate is None:
                    raise
                raise duplicate from exc
            except DBAPIError as exc:
                if attempt >= self._retry_attempts or not is_retryable(exc):
                    raise
            finally:
                self._read_only = False
            time.sleep(random.uniform(0, 0.01 * 2**attempt))


def unheld(uow: UnitOfWork, model: Any, active: ColumnElement[bool], min_age: timedelta) -> list[int]:
    """Ids of ``model``'s rows (with ``id``, ``created_at`` and ``lease_until``) that are ``active`` and that
    no worker holds: never taken (older than ``min_age``, so a row just handed to a worker is left to it),
    or whose worker's lease ran out. What the leader's sweeper hands out again (waves, bulk push jobs)."""
    now = utcnow()
    free = (model.lease_until.is_(None) & (model.created_at <= now - min_age)) | (model.lease_until < now)
    stmt = select(model.id).where(active, free).order_by(model.id)
    return list(uow.run(lambda u: u.session.scalars(stmt).all(), read_only=True))
