"""Counting a request's statements per transaction (SQLAlchemy's ``before_cursor_execute`` on the engine;
transaction control, SQLite's ``BEGIN``, is not counted), for the statement budget tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from tests.conftest import Backend


@dataclass
class Transaction:
    statements: list[str] = field(default_factory=list)
    committed: bool = False


@dataclass
class Seen:
    transactions: list[Transaction] = field(default_factory=list)
    commits: int = 0

    @property
    def written(self) -> list[Transaction]:
        return [t for t in self.transactions if t.committed]

    @property
    def reads(self) -> list[Transaction]:
        return [t for t in self.transactions if not t.committed and t.statements]


@contextmanager
def counting(backend: Backend) -> Iterator[Seen]:
    seen = Seen()
    current: dict[int, Transaction] = {}

    def begin(conn: Any) -> None:
        current[id(conn)] = t = Transaction()
        seen.transactions.append(t)

    def execute(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.split()[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK"):
            return
        current[id(conn)].statements.append(" ".join(statement.split())[:120])

    def commit(conn: Any) -> None:
        seen.commits += 1
        current[id(conn)].committed = True

    listeners = (("begin", begin), ("before_cursor_execute", execute), ("commit", commit))
    for name, fn in listeners:
        event.listen(backend.engine, name, fn)
    try:
        yield seen
    finally:
        for name, fn in listeners:
            event.remove(backend.engine, name, fn)
