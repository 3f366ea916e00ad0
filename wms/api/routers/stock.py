"""Receipts, stock on hand, the stock ledger, moves and adjustments."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Query
from pydantic import BaseModel

from wms.api.deps import AppSettings, RowId, Uow, check_warehouse, require, scoped_warehouse
from wms.api.pagination import Page, PageParams, page_of
from wms.api.routing import resource_router
from wms.api.schemas import MovementPage, OperationOut, StockPage
from wms.auth.keys import Principal
from wms.db import UnitOfWork
from wms.inventory import queries
from wms.inventory.commands import Adjust, Move, Receive
from wms.inventory.movements import adjust, move, receive
from wms.inventory.orm import StockOperation
from wms.inventory.putaway import putaway_list
from wms.orders.backorders import retry_backorders
from wms.orders.workflow import Policy

router = resource_router("stock")

Receiver = Annotated[Principal, Depends(require("erp", "planner"))]
Mover = Annotated[Principal, Depends(require("planner", "picker"))]
Supervisor = Annotated[Principal, Depends(require("planner"))]
StockReader = Annotated[Principal, Depends(require("erp", "planner", "picker"))]
LedgerReader = Annotated[Principal, Depends(require("erp", "planner"))]
Filter = Annotated[str | None, Query(max_length=64)]


def _operation(uow: UnitOfWork, op: StockOperation) -> dict[str, Any]:
    return uow.run(lambda u: queries.operation(u, op), read_only=True)


@router.post("/receipts", status_code=201, response_model=OperationOut)
def post_receipt(body: Receive, uow: Uow, settings: AppSettings, principal: Receiver,
                 background: BackgroundTasks) -> dict[str, Any]:
    """Receive stock: each line goes on hand at its location with its lot and expiry. Orders waiting
    for these SKUs are then allocated again, the most urgent first."""
    check_warehouse(principal, body.warehouse)
    op = _operation(uow, receive(body, uow, principal.actor))
    background.add_task(retry_backorders, [ln.sku for ln in body.lines], uow, Policy.from_settings(settings),
                        principal.actor)
    return op


@router.get("/receipts/{receipt_id}", response_model=OperationOut)
def get_receipt(receipt_id: RowId, uow: Uow, principal: Receiver) -> dict[str, Any]:
    result = uow.run(lambda u: queries.operation_by_id(u, receipt_id, "receipt"), read_only=True)
    check_warehouse(principal, result["warehouse"])
    return result


@router.post("/stock/moves", status_code=201, response_model=OperationOut)
def post_move(body: Move, uow: Uow, settings: AppSettings, principal: Mover,
              background: BackgroundTasks) -> dict[str, Any]:
    """Move available units of a lot between two locations of a warehouse (a putaway into storage
    lets orders waiting for the SKU be allocated)."""
    check_warehouse(principal, body.warehouse)
    op = _operation(uow, move(body, uow, principal.actor))
    background.add_task(retry_backorders, [body.sku], uow, Policy.from_settings(settings), principal.actor)
    return op


@router.post("/stock/adjustments", status_code=201, response_model=OperationOut)
def post_adjustment(body: Adjust, uow: Uow, principal: Supervisor) -> dict[str, Any]:
    """Change on hand with a reason: damaged, expired, lost, theft, sample (negative);
    found (positive); correction (either)."""
    check_warehouse(principal, body.warehouse)
    return _operation(uow, adjust(body, uow, principal.actor))


@router.get("/stock", response_model=StockPage)
def list_stock(uow: Uow, principal: StockReader, page: Annotated[PageParams, Depends()],
               warehouse: Filter = None, sku: Filter = None, location: Filter = None,
               lot: Filter = None) -> dict[str, Any]:
    wh = scoped_warehouse(principal, warehouse)
    rows = uow.run(lambda u: queries.stock(u, warehouse=wh, sku=sku, location=location, lot=lot,
                                           after_id=page.after_id, limit=page.limit), read_only=True)
    return page_of(rows, page.limit)


class PutawayOut(BaseModel):
    warehouse: str
    location: str
    sku: str
    lot: str
    expiry_date: date | None
    quantity: int
    suggested_location: str | None


class PutawayPage(Page[PutawayOut]):
    pass


@router.get("/stock/putaway", response_model=PutawayPage)
def list_putaway(uow: Uow, principal: StockReader, page: Annotated[PageParams, Depends()],
                 warehouse: Filter = None) -> dict[str, Any]:
    """Free units waiting outside storage (receiving, carts, packing, the dock: e.g. what a cancelled order
    had picked), with a suggested storage location; put them away with `POST /stock/moves`."""
    wh = scoped_warehouse(principal, warehouse)
    rows = uow.run(lambda u: putaway_list(u.session, warehouse=wh, after_id=page.after_id, limit=page.limit),
                   read_only=True)
    return page_of(rows, page.limit)


@router.get("/stock/movements", response_model=MovementPage)
def list_movements(uow: Uow, principal: LedgerReader, page: Annotated[PageParams, Depends()],
                   warehouse: Filter = None, sku: Filter = None, location: Filter = None,
                   lot: Filter = None, reason: Filter = None,
                   reference: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    """The stock ledger, oldest first."""
    wh = scoped_warehouse(principal, warehouse)
    rows = uow.run(lambda u: queries.movements(u, warehouse=wh, sku=sku, location=location, lot=lot,
                                               reason=reason, reference=reference,
                                               after_id=page.after_id, limit=page.limit), read_only=True)
    return page_of(rows, page.limit)
