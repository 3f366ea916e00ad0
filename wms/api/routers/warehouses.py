"""Warehouses and their locations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query

from wms.api.deps import AnyRole, AppSettings, Uow, require
from wms.api.pagination import PageQuery, page_of
from wms.api.routing import resource_router
from wms.api.schemas.inventory import LocationPage, WarehouseOut, WarehousePage
from wms.auth.keys import Principal
from wms.inventory import listings
from wms.inventory.commands import CreateWarehouse
from wms.inventory.warehouses import create_warehouse

router = resource_router("warehouses")
Admin = Annotated[Principal, Depends(require(every_warehouse=True))]  # a new warehouse is no token's own


@router.post("/warehouses", status_code=201, response_model=WarehouseOut, summary="Create a warehouse")
def post_warehouse(body: CreateWarehouse, uow: Uow, settings: AppSettings, _: Admin) -> dict[str, Any]:
    """Creates the warehouse and every storage location of its `layout` (`layout.md`: aisles, blocks, bays,
    levels, both sides), plus `RECEIVING`, `PACKING`, `SHIPPING` and `QUARANTINE` at the depot.
    `location_count` counts them all.

    A second warehouse with the same `code` is a 409 `warehouse_exists`. A layout with more than
    `WMS_MAX_LOCATIONS_PER_WAREHOUSE` locations is a 422 `layout_too_large`; a depot off the front cross
    aisle a 422 `validation_error`.
    """
    wh, count = create_warehouse(body, uow, settings.max_locations_per_warehouse)
    return listings.warehouse_out(wh, count)


@router.get("/warehouses", response_model=WarehousePage, summary="List warehouses")
def list_warehouses(uow: Uow, principal: AnyRole, page: PageQuery) -> dict[str, Any]:
    """Every warehouse with its layout and location count, oldest first. A token limited to one warehouse
    sees only that one."""

    rows = listings.warehouses(uow, only=principal.warehouse_code, after_id=page.after_id, limit=page.limit)
    return page_of(rows, page.limit)


@router.get("/warehouses/{code}", response_model=WarehouseOut, summary="Get a warehouse")
def get_warehouse(code: str, uow: Uow, _: AnyRole) -> dict[str, Any]:
    """The warehouse with its layout and location count. 404 `warehouse_not_found`; 403 `warehouse_forbidden`
    for a token limited to another warehouse."""

    return listings.warehouse(uow, code)


@router.get("/warehouses/{code}/locations", response_model=LocationPage, summary="List a warehouse's locations")
def list_locations(
    code: str,
    uow: Uow,
    _: AnyRole,
    page: PageQuery,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    aisle: Annotated[int | None, Query(ge=1, le=999)] = None,  # a layout has at most 999 aisles,
) -> dict[str, Any]:
    """The locations of the layout in creation order, each with its code (`A03-B017-L2-R`), kind, aisle, bay,
    level, side and pick-point coordinates `x_m`, `y_m` (`layout.md`). Filter by `aisle`, or by `kind`
    (`storage`, `receiving`, `packing`, `shipping`, `quarantine`; `cart` lists the carts of claimed pick lists,
    which are not part of the layout). 404 `warehouse_not_found`."""

    rows = listings.locations(uow, code, kind=kind, aisle=aisle, after_id=page.after_id, limit=page.limit)
    return page_of(rows, page.limit)
