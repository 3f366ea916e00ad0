"""Only ``wms/allocation/shipments.py`` writes a shipment's status (and the fields that go with it).

An AST scan of ``wms/``: a bulk ``update(Shipment)`` / ``insert(Shipment)`` whose ``values`` set one
of those fields, an assignment to ``<something named like a shipment>.status``, a ``Shipment(...)``
built with a status, a bulk statement on ``Shipment`` executed with parameter rows, or raw SQL updating ``shipments``, anywhere but in the owner, fails the test.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWNER = Path("wms/allocation/shipments.py")
FIELDS = frozenset({"status", "wave_id", "packed_at", "shipped_at"})
SHIPMENT_LIKE = re.compile(r"shipment|^sh$", re.IGNORECASE)
RAW_UPDATE = re.compile(r"update\s+shipments\s+set", re.IGNORECASE)


def _is_shipment_statement(node: ast.AST) -> bool:
    """``update(Shipment)`` or ``insert(Shipment)`` somewhere down a method chain."""
    while isinstance(node, ast.Call | ast.Attribute):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("update", "insert")
            and node.args
            and "Shipment" in ast.unparse(node.args[0]).split(".")
        ):
            return True
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


def _sets_fields(call: ast.Call) -> bool:
    named = {k.arg for k in call.keywords}
    for arg in call.args:
        if isinstance(arg, ast.Dict):
            named |= {k.value for k in arg.keys if isinstance(k, ast.Constant)}
    return bool(named & FIELDS)


def _call_writes(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr == "values":  # update(Shipment)....values(status=...)
            return _is_shipment_statement(func.value) and _sets_fields(call)
        if func.attr == "execute" and len(call.args) >= 2:  # bulk by primary key: its rows may set anything
            return _is_shipment_statement(call.args[0])
        return False
    if isinstance(func, ast.Name) and func.id == "Shipment":
        return _sets_fields(call)
    if isinstance(func, ast.Name) and func.id == "setattr" and len(call.args) >= 2:
        obj, name = call.args[:2]
        return _shipment_like(obj) and isinstance(name, ast.Constant) and name.value in FIELDS
    return False


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        found = []
        for t in node.targets:
            found.extend(t.elts if isinstance(t, ast.Tuple | ast.List) else [t])
        return found
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def _assigns(node: ast.AST) -> bool:
    """``shipment.status = ...`` (also in a tuple: ``shipment.status, shipment.packed_at = ...``)."""
    return any(isinstance(t, ast.Attribute) and t.attr in FIELDS and _shipment_like(t.value) for t in _targets(node))


def _shipment_like(node: ast.expr) -> bool:
    return SHIPMENT_LIKE.search(ast.unparse(node)) is not None


def _raw_sql(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and RAW_UPDATE.search(node.value) is not None


def writes(source: str) -> list[int]:
    """Line numbers where ``source`` writes a shipment's status (or its companion fields)."""
    return sorted(
        {
            node.lineno
            for node in ast.walk(ast.parse(source))
            if (isinstance(node, ast.Call) and _call_writes(node)) or _assigns(node) or _raw_sql(node)
        }
    )


def test_only_the_owner_writes_shipment_status() -> None:
    offenders = []
    for path in sorted((ROOT / "wms").rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel != OWNER:
            offenders += [f"{rel}:{line}" for line in writes(path.read_text())]
    assert offenders == [], "shipment status written outside wms/allocation/shipments.py"


def test_the_owner_is_where_the_writes_are() -> None:
    assert writes((ROOT / OWNER).read_text())


@pytest.mark.parametrize(
    "source",
    [
        "shipment.status = 'picked'",
        "shipment.status, shipment.packed_at = 'picked', None",
        "s.get_one(Shipment, 1).status = 'cancelled'",
        "sh.shipped_at = now",
        "setattr(shipment, 'status', 'packed')",
        "s.execute(update(Shipment).where(Shipment.id == 1).values(status='released', wave_id=2))",
        "s.execute(update(Shipment).values({'status': 'allocated'}).where(Shipment.wave_id == 1))",
        "s.execute(update(Shipment.__table__).values(status='shipped'))",
        "s.execute(update(Shipment), [{'id': 1, 'status': 'packed'}])",
        "Shipment(warehouse_id=1, status='allocated', merge_key='k', carrier='c')",
        "s.execute(text('UPDATE shipments SET status = :s'))",
    ],
)
def test_the_scan_sees_a_write(source: str) -> None:
    assert writes(source) == [1]


@pytest.mark.parametrize(
    "source",
    [
        "if shipment.status != 'packed': pass",
        "shipment.carrier = 'DHL'",
        "pl.status = 'delivered'",
        "stop.status = 'cancelled'",
        "wave.status, wave.error = 'failed', error",
        "s.execute(update(PickListStop).values(status='cancelled'))",
        "select(Shipment).where(Shipment.status == 'allocated')",
        "Shipment(warehouse_id=1, merge_key='k', carrier='c')",
    ],
)
def test_the_scan_leaves_reads_and_other_tables_alone(source: str) -> None:
    assert writes(source) == []
