"""Receipts, stock on hand, the stock ledger, moves and adjustments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Query

from wms.api.deps import AppSettings, RowId, Uow, WarehouseFilter, require
from wms.api.pagination import PageQuery, page_of
from wms.api.routing import resource_router
from wms.api.schemas.inventory import MovementPage, OperationOut, PutawayPage, StockPage
from wms.auth.keys import Principal
from wms.fields import TEXT
from wms.inventory.commands import Adjust, Move, Receive
from wms.inventory.movements import adjust, move, receive
from wms.orders.backorders import retry_backorders
from wms.orders.workflow import Policy
from wms.views import stock as stock_views

router = resource_router("stock")

Receiver = Annotated[Principal, Depends(require("erp", "planner"))]
Mover = Annotated[Principal, Depends(require("planner", "picker"))]
Supervisor = Annotated[Principal, Depends(require("planner"))]
StockReader = Annotated[Principal, Depends(require("erp", "planner", "picker"))]
LedgerReader = Annotated[Principal, Depends(require("erp", "planner"))]
Filter = Annotated[str | None, Query(max_length=64, pattern=TEXT)]  # no control character: none is ever stored


@router.post("/receipts", status_code=201, response_model=OperationOut, summary="Receive stock")
def post_receipt(
    body: Receive, uow: Uow, settings: AppSettings, principal: Receiver, background: BackgroundTasks
) -> dict[str, Any]:
    """Each line is on hand at once at its location (a storage location, or `RECEIVING` to put away later),
    in its lot; a new lot is created with its `expiry_date` (null: does not expire). The answer lists the
    ledger rows written (`receipt`). Orders waiting for these SKUs are then allocated again, the most urgent
    first.

    A receipt is not matched by `reference`: sending it again receives it again, so retry with the same
    `Idempotency-Key`. 404 `warehouse_not_found`, `item_not_found`, `location_not_found`; 409
    `lot_expiry_mismatch` when a known lot comes with another expiry date.
    """
    done = receive(body, uow, principal.actor)
    op = uow.run(lambda u: stock_views.operation(u, done), read_only=True)
    background.add_task(
        retry_backorders, [ln.sku for ln in body.lines], uow, Policy.from_settings(settings), principal.actor
    )
    return op


@router.get("/receipts/{receipt_id}", response_model=OperationOut, summary="Get a receipt")
def get_receipt(receipt_id: RowId, uow: Uow, _: Receiver) -> dict[str, Any]:
    """The receipt with the ledger rows it wrote. 404 `receipt_not_found`."""
    return uow.run(lambda u: stock_views.operation_by_id(u, receipt_id, "receipt"), read_only=True)


@router.post("/stock/moves", status_code=201, response_model=OperationOut, summary="Move stock")
def post_move(
    body: Move, uow: Uow, settings: AppSettings, principal: Mover, background: BackgroundTasks
) -> dict[str, Any]:
    """Moves available (unreserved) units of a lot from one location of the warehouse to another: a putaway
    from `RECEIVING` into storage, or a relocation. The answer lists the two ledger rows (`move_out`,
    `move_in`). Orders waiting for the SKU are then allocated again.

    Sending it again moves again: retry with the same `Idempotency-Key`. 409 `insufficient_stock` (nothing
    moves) when fewer units are available; 404 `location_not_found`, `lot_not_found`.
    """
    done = move(body, uow, principal.actor)
    op = uow.run(lambda u: stock_views.operation(u, done), read_only=True)
    background.add_task(retry_backorders, [body.sku], uow, Policy.from_settings(settings), principal.actor)
    return op


@router.post("/stock/adjustments", status_code=201, response_model=OperationOut, summary="Adjust stock")
def post_adjustment(body: Adjust, uow: Uow, principal: Supervisor) -> dict[str, Any]:
    """Changes on hand at a location by `delta`, with a reason: `damaged`, `expired`, `lost`, `theft`,
    `sample` (negative), `found` (positive), `correction` (either). One ledger row with that reason.

    Sending it again adjusts again: retry with the same `Idempotency-Key`. 409 `insufficient_stock` when a
    decrease exceeds the available (unreserved) units; 422 `validation_error` for a delta whose sign does not
    fit the reason.
    """
    done = adjust(body, uow, principal.actor)
    return uow.run(lambda u: stock_views.operation(u, done), read_only=True)


@router.get("/stock", response_model=StockPage, summary="List stock")
def list_stock(
    uow: Uow,
    _: StockReader,
    page: PageQuery,
    warehouse: WarehouseFilter,
    sku: Filter = None,
    location: Filter = None,
    lot: Filter = None,
) -> dict[str, Any]:
    """Stock per location and lot: `on_hand`, `reserved` for shipments, and `available` (the difference),
    filtered by any of `warehouse`, `sku`, `location`, `lot`."""
    rows = uow.run(
        lambda u: stock_views.stock(
            u, warehouse=warehouse, sku=sku, location=location, lot=lot, after_id=page.after_id, limit=page.limit
        ),
        read_only=True,
    )
    return page_of(rows, page.limit)


@router.get("/stock/putaway", response_model=PutawayPage, summary="List stock to put away")
def list_putaway(uow: Uow, _: StockReader, page: PageQuery, warehouse: WarehouseFilter) -> dict[str, Any]:
    """Free units waiting outside storage (receiving, carts, packing, the dock: e.g. what a cancelled order
    had picked), each with a suggested storage location (the item's pick face, else where most of it is).
    Put them away with `POST /v1/stock/moves`."""
    rows = uow.run(
        lambda u: stock_views.putaway_list(u.session, warehouse=warehouse, after_id=page.after_id, limit=page.limit),
        read_only=True,
    )
    return page_of(rows, page.limit)


@router.get("/stock/movements", response_model=MovementPage, summary="Read the stock ledger")
def list_movements(
    uow: Uow,
    _: LedgerReader,
    page: PageQuery,
    warehouse: WarehouseFilter,
    sku: Filter = None,
    location: Filter = None,
    lot: Filter = None,
    reason: Filter = None,
    reference: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """The append-only stock ledger, oldest first: every change of on hand with its `delta`, `reason`
    (`receipt`, `move_out`, `move_in`, an adjustment reason, `count_correction`, `pick`, `cart_drop`,
    `packed`, `shipped`, `short_pick`, `return`, `return_write_off`, `replenish`, …), `reference` and actor.
    The sum of `delta` per location, SKU and lot is its `on_hand`."""
    rows = uow.run(
        lambda u: stock_views.movements(
            u,
            warehouse=warehouse,
            sku=sku,
            location=location,
            lot=lot,
            reason=reason,
            reference=reference,
            after_id=page.after_id,
            limit=page.limit,
        ),
        read_only=True,
    )
    return page_of(rows, page.limit)
