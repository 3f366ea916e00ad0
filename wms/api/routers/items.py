"""Items and their lots."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from wms.api.deps import AnyRole, Uow, require
from wms.api.pagination import PageQuery, page_of
from wms.api.routing import resource_router
from wms.api.schemas.batches import LotPage
from wms.api.schemas.inventory import ItemOut, ItemPage
from wms.auth.keys import Principal
from wms.inventory import listings
from wms.inventory.commands import CreateItem
from wms.inventory.warehouses import create_item

router = resource_router("items")


@router.post("/items", status_code=201, response_model=ItemOut, summary="Create an item")
def post_item(
    body: CreateItem, uow: Uow, _: Annotated[Principal, Depends(require("erp", every_warehouse=True))]
) -> Any:
    """Creates an item (SKU) for every warehouse, so a token limited to one warehouse may not. `min_shelf_life_days` is what a customer must have left at
    the promised ship date: FEFO allocation never takes a lot with less. `barcode` (EAN, UPC, …) lets
    handhelds scan the item instead of typing the SKU.

    The same `sku` again is a 409 `item_exists`; a `barcode` of another item a 409 `barcode_exists`.
    """
    return create_item(body, uow)


@router.get("/items", response_model=ItemPage, summary="List items")
def list_items(uow: Uow, _: AnyRole, page: PageQuery) -> dict[str, Any]:
    """Every item, oldest first."""

    return page_of(listings.items(uow, after_id=page.after_id, limit=page.limit), page.limit)


@router.get("/items/{sku}", response_model=ItemOut, summary="Get an item")
def get_item(sku: str, uow: Uow, _: AnyRole) -> Any:
    """The item by its SKU. 404 `item_not_found`."""
    return listings.item(uow, sku)


@router.get("/items/{sku}/lots", response_model=LotPage, summary="List an item's lots")
def list_lots(sku: str, uow: Uow, _: AnyRole, page: PageQuery) -> dict[str, Any]:
    """Every lot of the item ever received, with its expiry date (null: does not expire), oldest first.
    404 `item_not_found`."""

    return page_of(listings.lots(uow, sku, after_id=page.after_id, limit=page.limit), page.limit)
