"""The read models (``wms/views/``) never write: no session writes, no INSERT/UPDATE/DELETE, no changed ORM rows.

They read every context's tables, so a write there would change a context's state behind its back. This
walks the syntax of each module (no database) and names every call or statement that could write.
Strict on purpose: a Python set's ``add`` or a dict's ``update`` is refused too (build with a
comprehension or ``|`` instead).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VIEWS = Path(__file__).resolve().parents[2] / "wms" / "views"

# methods of a Session (or UnitOfWork) that write or end a transaction
SESSION_WRITES = {
    "add",
    "add_all",
    "delete",
    "merge",
    "flush",
    "commit",
    "bulk_save_objects",
    "bulk_insert_mappings",
    "bulk_update_mappings",
    "insert",  # Table.insert()
    "update",  # Table.update(), also dict.update: refused alike
}
# SQL statements that write: sqlalchemy.insert/update/delete, the dialects' insert, wms.db.dialect_insert
STATEMENTS = {"insert", "update", "delete", "dialect_insert", "upsert"}


def writes_in(source: str) -> list[str]:
    """Each write found in ``source``: ``line: what``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in STATEMENTS:
                found.append(f"{node.lineno}: {f.id}(...)")
            elif isinstance(f, ast.Attribute) and (f.attr in SESSION_WRITES or f.attr in STATEMENTS):
                found.append(f"{node.lineno}: .{f.attr}(...)")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in STATEMENTS:
                    found.append(f"{node.lineno}: import of {alias.name} from {node.module}")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                for t in ast.walk(target):
                    if isinstance(t, ast.Attribute):
                        found.append(f"{node.lineno}: assignment to .{t.attr} (a loaded row would be flushed)")
    return found


def modules() -> list[Path]:
    return sorted(VIEWS.glob("*.py"))


def test_there_are_read_models() -> None:
    assert len(modules()) > 1


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.name)
def test_a_read_model_never_writes(path: Path) -> None:
    assert writes_in(path.read_text()) == [], f"wms/views/{path.name} writes"


@pytest.mark.parametrize(
    "write",
    [
        "s.add(Order())",
        "session.add_all(rows)",
        "u.session.delete(row)",
        "s.flush()",
        "uow.commit()",
        "s.merge(row)",
        "s.execute(insert(Order).values(id=1))",
        "s.execute(update(Order).where(Order.id == 1).values(status='x'))",
        "s.execute(sa.delete(Order))",
        "s.execute(dialect_insert(s, Order))",
        "s.execute(Order.__table__.update())",
        "from sqlalchemy import update",
        "order.status = 'shipped'",
        "order.unit_count += 1",
    ],
)
def test_the_check_sees_a_write(write: str) -> None:
    assert writes_in(f"def view(s, session, u, uow, row, rows, order):\n    {write}\n") != []


def test_the_check_lets_reads_pass() -> None:
    read = (
        "from sqlalchemy import func, select\n"
        "def view(s, order_id):\n"
        "    order = s.get(Order, order_id)\n"
        "    rows = s.execute(select(Order.id, func.count()).where(Order.id > 0)).all()\n"
        "    return [dict(r._mapping) | {'status': order.status} for r in rows]\n"
    )
    assert writes_in(read) == []
