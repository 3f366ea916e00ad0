"""The result of each order of a bulk push, the same whether the push answers at once or runs as a job.

An entry is ``{index, external_id?, channel?, result, order_id?, kind?, error?}``: the order's place in the
request (with its ``external_id`` and ``channel`` when it has them as strings), ``created`` or ``existing``
with the order's id, or ``error`` with the kind of refusal (``wms.errors.kind_of``: the API gives it its
status) and the error body. Entries are plain JSON: a job stores them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic_core import to_jsonable_python

from wms.errors import DomainError, InvalidInput, kind_of

Pushed = tuple[int, bool] | DomainError  # what services.push_orders says of one order
RESULTS = ("created", "existing", "error")


def head(index: int, raw: Mapping[str, object]) -> dict[str, Any]:
    """Where the order was in the request, and its ``external_id`` and ``channel`` if it has them."""
    return {"index": index, **{k: raw[k] for k in ("external_id", "channel") if isinstance(raw.get(k), str)}}


def pushed(index: int, raw: Mapping[str, object], outcome: Pushed) -> dict[str, Any]:
    """The entry of an order that went to ``push_orders``."""
    if isinstance(outcome, DomainError):
        error = {"code": outcome.code, "message": outcome.message, "details": to_jsonable_python(outcome.details)}
        return {**head(index, raw), "result": "error", "kind": kind_of(outcome), "error": error}
    order_id, created = outcome
    return {**head(index, raw), "result": "created" if created else "existing", "order_id": order_id}


def refused(index: int, raw: Mapping[str, object], error: dict[str, Any]) -> dict[str, Any]:
    """The entry of an order that failed validation (``error``: the body a single push would answer)."""
    return {**head(index, raw), "result": "error", "kind": InvalidInput.code, "error": error}


def tally(entries: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """``{created, existing, errors}``: how many entries have each result."""
    counts = dict.fromkeys(RESULTS, 0)
    for entry in entries:
        counts[entry["result"]] += 1
    return {"created": counts["created"], "existing": counts["existing"], "errors": counts["error"]}
