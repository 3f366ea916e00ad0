"""Cursor pagination: ``?limit=&cursor=`` → ``{items, next_cursor}``, ordered by id.

The cursor is the id of the last item of the page. Lists oldest first continue
with ids above it (``after_id``), lists newest first with ids below it
(``before_id``); ``page_of`` works for both.
"""

from __future__ import annotations

import base64
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from wms.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 500
# The largest integer SQLite and PostgreSQL (bigint) store: no id or integer filter can go above it.
MAX_DB_INT = 2**63 - 1


class Page(BaseModel, Generic[T]):
    """A page of a list. A response model is a named subclass, ``class OrderSummaryPage(Page[OrderSummaryOut])``,
    so that the OpenAPI document calls it ``OrderSummaryPage`` (``Page[X]`` itself would be ``Page_X_``)."""

    items: list[T]
    next_cursor: str | None = Field(description="Pass as `?cursor=` for the next page; null on the last page.")


class PageParams:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> None:
        self.limit = limit
        self.last_id = decode_cursor(cursor) if cursor else None

    @property
    def after_id(self) -> int:
        """Ascending lists: the next page has ids above this (0 on the first page)."""
        return self.last_id or 0

    @property
    def before_id(self) -> int | None:
        """Descending lists (newest first): the next page has ids below this (None on the first page)."""
        return self.last_id


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        last_id = int(value)
        if prefix != "id" or not 0 <= last_id <= MAX_DB_INT:
            raise ValueError
        return last_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor is not one this service issued", code="invalid_cursor") from exc


def page_of(rows: list[tuple[int, T]], limit: int) -> dict[str, object]:
    """``rows`` are (id, item) pairs in page order (ascending or descending), ``limit + 1`` of them
    fetched to see if more follow."""
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [item for _, item in rows],
            "next_cursor": encode_cursor(rows[-1][0]) if more and rows else None}
