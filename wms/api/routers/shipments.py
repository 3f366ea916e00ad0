"""Packing and shipping: verify a shipment by scan, close parcels with labels, ship at the dock."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import BackgroundTasks, Depends, Query, Response

from wms.api.deps import AppSettings, RowId, Uow, WarehouseFilter, require
from wms.api.errors import status_of
from wms.api.idempotency import ATOMIC_ROUTE, stored_answer
from wms.api.pagination import PageQuery, page_of
from wms.api.routing import resource_router
from wms.api.schemas.shipping import ReturnOut, ShipManyOut, ShipmentOut, ShipmentSummaryPage
from wms.auth.keys import Principal
from wms.db import UnitOfWork
from wms.fields import MAX_ID
from wms.orders.backorders import retry_backorders
from wms.orders.workflow import Policy
from wms.shipping import labels
from wms.shipping.dock import Departure, ShipMany, ship, ship_many
from wms.shipping.packing import Pack, pack
from wms.shipping.returns import ReceiveReturn, receive_return
from wms.views.labels import label_data
from wms.views.returns import return_detail
from wms.views.shipments import shipment_detail, shipment_summaries

router = resource_router("packing, shipping and returns")
Floor = Annotated[Principal, Depends(require("picker", "planner"))]
Reader = Annotated[Principal, Depends(require("picker", "planner", "erp"))]


def _detail(uow: UnitOfWork, shipment_id: int) -> dict[str, Any]:
    return uow.run(lambda u: shipment_detail(u.session, shipment_id), read_only=True)


@router.get("/shipments", response_model=ShipmentSummaryPage, summary="List shipments")
def list_shipments(
    uow: Uow,
    _: Reader,
    page: PageQuery,
    warehouse: WarehouseFilter,
    status: Literal["allocated", "released", "picked", "packed", "shipped", "cancelled"] | None = None,
    wave_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> dict[str, Any]:
    """Shipments, oldest first, by warehouse, status and wave: what waits at the packing station
    (`status=picked`) or at the dock (`status=packed`)."""
    rows = uow.run(
        lambda u: shipment_summaries(
            u.session, warehouse=warehouse, status=status, wave_id=wave_id, after_id=page.after_id, limit=page.limit
        ),
        read_only=True,
    )
    return page_of(rows, page.limit)


@router.get("/shipments/{shipment_id}", response_model=ShipmentOut, summary="Get a shipment")
def get_shipment(shipment_id: RowId, uow: Uow, _: Reader) -> dict[str, Any]:
    """The shipment with its items (SKU, lot, where the units are now), parcels with their label URLs, and
    the `history` of its states (each change with its cause, who made it and when). 404 `shipment_not_found`."""
    return _detail(uow, shipment_id)


@router.post(
    "/shipments/{shipment_id}/pack",
    status_code=201,
    response_model=ShipmentOut,
    summary="Pack a shipment into parcels",
    openapi_extra=ATOMIC_ROUTE,
)
def post_pack(
    shipment_id: RowId, body: Pack, uow: Uow, settings: AppSettings, principal: Floor
) -> dict[str, Any] | Response:
    """Checks the scanned `items` (SKU, lot, quantity, in any order) against what was picked for the
    shipment, closes its `parcels` and labels them: the carrier is the order's, or for `auto` the first
    fitting `WMS_CARRIER_RULES` rule; each parcel gets a tracking number and label URLs (`label_pdf_url`,
    `label_zpl_url`, paths of this API, GET with the same token). Its stock moves to `SHIPPING`, still
    reserved; the shipment is `packed` and waits at the dock.

    Packing again is a 409 `shipment_already_packed`. 409 `pack_mismatch` when the scan differs from the
    shipment (`details.missing`, `details.unexpected`), `shipment_not_picked` before its cart is delivered,
    `address_unclear` while an order's corrected address awaits review, `no_carrier` when no rule fits.
    """
    return stored_answer(
        pack(shipment_id, body, uow, principal.actor, settings.carrier_rules, settings.default_carrier)
    )


@router.post(
    "/shipments/ship",
    response_model=ShipManyOut,
    summary="Ship packed shipments together (a truck leaves the dock)",
    openapi_extra=ATOMIC_ROUTE,
)
def post_ship_many(body: ShipMany, uow: Uow, principal: Floor) -> dict[str, Any] | Response:
    """The packed shipments of `warehouse` that a truck takes leave the dock together: the `shipment_ids`
    given (1 to 500), or every packed shipment of `carrier` waiting there (oldest first, at most 500).
    Each shipment leaves as `POST /v1/shipments/{id}/ship` would make it leave (its stock out of the
    ledger, its orders with nothing else open `shipped`, a `shipment.shipped` event each), all in one
    transaction, and each shipment all or nothing: one that may not leave is refused on its own and
    changes nothing, the others leave.

    Answers 200 with one result per id asked, in the order asked (`results`): `shipped` with its
    `shipped_at`, `orders` and `tracking_numbers`, or `refused` with the `status_code` and `error` that
    the single-shipment call would answer: 404 `shipment_not_found`, 409 `shipment_not_packed` or
    `shipment_already_shipped`, 403 `warehouse_forbidden` for a shipment of another warehouse than
    `warehouse`. A token limited to a warehouse may name only its own (403 `warehouse_forbidden` for the
    whole call); 404 `warehouse_not_found` for an unknown warehouse with `carrier`. A retry with the same
    `Idempotency-Key` gets the first answer; without it, shipped shipments are refused as
    `shipment_already_shipped`.
    """
    return stored_answer(ship_many(body, uow, principal.actor, _departures))


def _departures(departures: list[Departure]) -> dict[str, Any]:
    results = [
        {
            "shipment_id": d.shipment_id,
            "result": "shipped",
            "status_code": 200,
            "shipped_at": d.head.shipped_at,
            "orders": [o.id for o in d.orders],
            "tracking_numbers": d.tracking_numbers,
        }
        if d.head is not None
        else {
            "shipment_id": d.shipment_id,
            "result": "refused",
            "status_code": status_of(d.error) if d.error is not None else 409,
            "error": None
            if d.error is None
            else {"code": d.error.code, "message": d.error.message, "details": d.error.details},
        }
        for d in departures
    ]
    shipped = sum(1 for r in results if r["result"] == "shipped")
    return {"results": results, "shipped": shipped, "refused": len(results) - shipped}


@router.post(
    "/shipments/{shipment_id}/ship",
    response_model=ShipmentOut,
    summary="Ship a packed shipment",
    openapi_extra=ATOMIC_ROUTE,
)
def post_ship(shipment_id: RowId, uow: Uow, principal: Floor) -> dict[str, Any] | Response:
    """The packed shipment leaves the dock: its stock leaves the warehouse (`shipped` in the ledger), its
    orders with nothing else open become `shipped`, and a `shipment.shipped` event carries the tracking
    numbers to the ERP. A truckload leaves in one call with `POST /v1/shipments/ship`.

    Shipping again is a 409 `shipment_already_shipped`; before packing a 409 `shipment_not_packed`.
    """
    return stored_answer(ship(shipment_id, uow, principal.actor))


def _label(uow: UnitOfWork, parcel_id: int, suffix: str) -> Response:
    data = uow.run(lambda u: label_data(u.session, parcel_id), read_only=True)
    body, media = (
        (labels.pdf(data), "application/pdf") if suffix == "pdf" else (labels.zpl_label(data), "application/zpl")
    )
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'inline; filename="{data.tracking_number}.{suffix}"'}
    )


@router.get(
    "/parcels/{parcel_id}/label.pdf",
    response_class=Response,
    summary="Get a parcel's label as PDF",
    responses={200: {"content": {"application/pdf": {}}, "description": "4 × 6 in label"}},
)
def get_label_pdf(parcel_id: RowId, uow: Uow, _: Reader) -> Response:
    """A 4 × 6 in shipping label with the address and a Code 128 barcode of the tracking number.
    404 `parcel_not_found`."""
    return _label(uow, parcel_id, "pdf")


@router.get(
    "/parcels/{parcel_id}/label.zpl",
    response_class=Response,
    summary="Get a parcel's label as ZPL",
    responses={200: {"content": {"application/zpl": {}}, "description": "ZPL II, 203 dpi, 4 × 6 in"}},
)
def get_label_zpl(parcel_id: RowId, uow: Uow, _: Reader) -> Response:
    """The same label in ZPL II for thermal printers (203 dpi, 4 × 6 in). 404 `parcel_not_found`."""
    return _label(uow, parcel_id, "zpl")


@router.post("/returns", status_code=201, response_model=ReturnOut, summary="Receive a return")
def post_return(
    body: ReceiveReturn, uow: Uow, settings: AppSettings, principal: Floor, background: BackgroundTasks
) -> dict[str, Any]:
    """Receives what a customer sent back for an order: each line is restocked (`restock`, to the storage
    `location` given, same lot and expiry), quarantined (`quarantine`) or written off with a `reason`
    (`write_off`). The order becomes `refunding`, and `refunded` once everything shipped is back; an
    `order.return_received` event tells the ERP. Restocked SKUs let waiting orders be allocated again.

    Only what was shipped to the order and not returned yet can come back, so receiving the same return
    twice is a 409 `return_exceeds_shipped`; 409 `order_not_shipped`; 422 `not_a_storage_location`;
    404 `order_not_found`.
    """
    return_id = receive_return(body, uow, principal.actor)
    restocked = [ln.sku for ln in body.lines if ln.disposition == "restock"]
    if restocked:
        background.add_task(retry_backorders, restocked, uow, Policy.from_settings(settings), principal.actor)
    return uow.run(lambda u: return_detail(u.session, return_id), read_only=True)


@router.get("/returns/{return_id}", response_model=ReturnOut, summary="Get a return")
def get_return(return_id: RowId, uow: Uow, _: Reader) -> dict[str, Any]:
    """The return with its lines and where each went. 404 `return_not_found`."""
    return uow.run(lambda u: return_detail(u.session, return_id), read_only=True)
