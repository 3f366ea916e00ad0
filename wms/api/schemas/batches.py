"""Response bodies of lots."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from wms.api.pagination import Page


class LotOut(BaseModel):
    sku: str
    lot: str
    expiry_date: date | None


class LotPage(Page[LotOut]):
    pass
