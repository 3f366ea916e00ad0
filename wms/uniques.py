"""A unique constraint violated, read the same way on PostgreSQL and SQLite, as a 409 naming what exists.

A check before an insert cannot see a row another transaction is inserting at that moment; the
constraint does. So the constraint is the rule, and its violation is turned into a ``Duplicate`` here,
once, by ``UnitOfWork.run`` (never retried: the same insert would fail again) and by the API's error
handler for any other path. ``RESOURCES`` names what the client creates; any other unique constraint
(a race the code does not expect) is a generic ``already_exists`` with the table, columns and values.

Unique constraints of the schema (``alembic/versions``) and who can meet them:

- ``items.sku``, ``items.barcode``, ``warehouses.code``: created by clients, named below.
- ``orders (channel, external_id)``, ``lots (item_id, code)``, ``stock (location_id, lot_id)``,
  ``pick_faces (location_id, item_id)``, ``idempotency_keys (scope, key)``: inserted with ON CONFLICT
  (a repeat finds the row), so a race never violates them.
- ``waves.request_ref``, ``intake_jobs.request_ref`` (the Idempotency-Key of the request that started the
  wave or the bulk push job): two requests with one key at the same moment; the second is a 409
  ``idempotency_in_progress``, as it is for any other route.
- ``locations (warehouse_id, code)``, ``cycle_count_lines``, ``order_lines``, ``pick_lists``,
  ``pick_list_stops``, ``parcels``, ``outbox_events``, ``intake_job_results``, ``api_keys.token_hash``:
  written by the service itself under a lock of their parent (or from random values); a violation would
  be a bug, still a 409.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from wms.errors import Duplicate

PG_UNIQUE_VIOLATION = "23505"
SQLITE_UNIQUE_VIOLATIONS = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
_PG_KEY = re.compile(r"Key \((?P<columns>.+?)\)=\((?P<values>.*)\) already exists", re.S)
_SQLITE_KEY = re.compile(r"UNIQUE constraint failed: (?P<columns>\w+\.\w+(?:, \w+\.\w+)*)$")
_INSERT_COLUMNS = re.compile(r"^\s*INSERT INTO \"?(\w+)\"? \(([^)]*)\)", re.I)

# (table, columns) → (error code, resource, message with the columns' values)
RESOURCES: dict[tuple[str, tuple[str, ...]], tuple[str, str, str]] = {
    ("items", ("sku",)): ("item_exists", "item", "item {sku} exists already"),
    ("items", ("barcode",)): ("barcode_exists", "item", "barcode {barcode} belongs to another item"),
    ("warehouses", ("code",)): ("warehouse_exists", "warehouse", "warehouse {code} exists already"),
    # two requests with one Idempotency-Key starting a wave at once: the second meets the first's wave
    ("waves", ("request_ref",)): (
        "idempotency_in_progress",
        "wave",
        "a request with this Idempotency-Key is being processed",
    ),
    ("intake_jobs", ("request_ref",)): (
        "idempotency_in_progress",
        "bulk push job",
        "a request with this Idempotency-Key is being processed",
    ),
}
# unique values derived from tokens and keys: a conflict does not repeat them
PRIVATE = {
    ("api_keys", ("token_hash",)),
    ("idempotency_keys", ("scope", "key")),
    ("waves", ("request_ref",)),
    ("intake_jobs", ("request_ref",)),
}


@dataclass(frozen=True)
class Violation:
    table: str
    columns: tuple[str, ...]
    values: dict[str, Any] | None  # None when the database did not say which row


def violation(exc: IntegrityError) -> Violation | None:
    """The unique constraint ``exc`` violated, or None for another integrity error (foreign key, check)."""
    if getattr(exc.orig, "sqlstate", None) == PG_UNIQUE_VIOLATION:
        return _postgres(exc)
    if getattr(exc.orig, "sqlite_errorname", None) in SQLITE_UNIQUE_VIOLATIONS:
        return _sqlite(exc)
    return None


def _sqlite(exc: IntegrityError) -> Violation:
    key = _SQLITE_KEY.match(str(exc.orig))  # "UNIQUE constraint failed: items.sku"
    if key is None:  # a unique index on an expression names only the index
        return Violation("", (), None)
    qualified = [c.split(".") for c in key["columns"].split(", ")]
    columns = tuple(column for _, column in qualified)
    return Violation(qualified[0][0], columns, _inserted_values(exc, columns))


def _postgres(exc: IntegrityError) -> Violation:
    diag = exc.orig.diag  # type: ignore[union-attr]
    key = _PG_KEY.match(diag.message_detail or "")
    columns = tuple(key["columns"].split(", ")) if key else ()
    values = _inserted_values(exc, columns)
    if values is None and key is not None:
        parts = [key["values"]] if len(columns) == 1 else key["values"].split(", ")
        values = dict(zip(columns, parts, strict=True)) if len(parts) == len(columns) else None
    return Violation(diag.table_name or "", columns, values)


def _inserted_values(exc: IntegrityError, columns: tuple[str, ...]) -> dict[str, Any] | None:
    """The violating values from the failed statement's parameters, when it inserted one row."""
    params = exc.params
    if isinstance(params, dict):
        return {c: params[c] for c in columns} if all(c in params for c in columns) else None
    names = _INSERT_COLUMNS.match(exc.statement or "")
    if names is None or not isinstance(params, tuple) or not columns:  # several rows: which one is unknown
        return None
    row = dict(zip([n.strip().strip('"') for n in names[2].split(",")], params, strict=False))
    return {c: row[c] for c in columns} if all(c in row for c in columns) else None


def duplicate(found: Violation) -> Duplicate:
    """The conflict to answer: the resource and the values that exist already."""
    code, resource, template = RESOURCES.get((found.table, found.columns), ("already_exists", found.table, ""))
    values = {} if (found.table, found.columns) in PRIVATE else found.values or {}
    if template and (found.values is not None or "{" not in template):
        message = template.format(**values)
    else:
        said = ", ".join(f"{c}={values[c]}" if c in values else c for c in found.columns) or "these values"
        message = f"{resource or 'a row'} with {said} exists already"
    return Duplicate(message, code=code, details={"resource": resource, **values})


def duplicate_of(exc: IntegrityError) -> Duplicate | None:
    found = violation(exc)
    return None if found is None else duplicate(found)
