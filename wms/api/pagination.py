"""Cursor pagination: ``?limit=&cursor=`` → ``{items, next_cursor}``, ordered by id.

The cursor is the id of the last item of the page. Lists oldest first continue
with ids above it (``after_id``), lists newest first with ids below it
(``before_id``); ``page_of`` works for both.
"""

from __future__ import annotations

import re
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from wms.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 500
CURSOR_PATTERN = r"^[0-9a-f]{1,15}$"  # the last id seen, in hex: any such string is a place in a list


class Page(BaseModel, Generic[T]):
    """A page of a list. A response model is a named subclass, ``class OrderSummaryPage(Page[OrderSummaryOut])``,
    so that the OpenAPI document calls it ``OrderSummaryPage`` (``Page[X]`` itself would be ``Page_X_``)."""

    items: list[T]
    next_cursor: str | None = Field(description="Pass as `?cursor=` for the next page; null on the last page.")


class PageParams:
    def __init__(self, limit: int = 100, cursor: str | None = None) -> None:
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


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[
        str | None, Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the page before.")
    ] = None,
) -> PageParams:
    """The page a list request asks for (a coroutine: FastAPI runs it in the event loop, not in a thread)."""
    return PageParams(limit, cursor)


PageQuery = Annotated[PageParams, Depends(page_params)]


def encode_cursor(last_id: int) -> str:
    return f"{last_id:x}"


def decode_cursor(cursor: str) -> int:
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise InvalidInput("cursor is not one this service issued", code="invalid_cursor")
    return int(cursor, 16)


def page_of(rows: list[tuple[int, T]], limit: int) -> dict[str, object]:
    """``rows`` are (id, item) pairs in page order (ascending or descending), ``limit + 1`` of them
    fetched to see if more follow."""
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [item for _, item in rows], "next_cursor": encode_cursor(rows[-1][0]) if more and rows else None}
