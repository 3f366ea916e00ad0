"""Packing and shipping: verify a shipment by scan, close parcels with labels, ship at the dock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import BackgroundTasks, Depends, Query, Response
from pydantic import BaseModel

from wms.api.deps import AppSettings, RowId, Uow, check_warehouse, require, scoped_warehouse
from wms.api.pagination import Page, PageParams, page_of
from wms.api.routing import resource_router
from wms.auth.keys import Principal
from wms.db import UnitOfWork
from wms.orders.backorders import retry_backorders
from wms.orders.workflow import Policy
from wms.shipping import labels
from wms.shipping.dock import ship
from wms.shipping.packing import Pack, pack
from wms.shipping.returns import ReceiveReturn, receive_return, return_detail
from wms.shipping.views import parcel_warehouse, shipment_detail, shipment_summaries, shipment_warehouse

router = resource_router("packing, shipping and returns")
Floor = Annotated[Principal, Depends(require("picker", "planner"))]
Reader = Annotated[Principal, Depends(require("picker", "planner", "erp"))]


class ShipmentItem(BaseModel):
    order_id: int
    sku: str
    lot: str
    expiry_date: date | None
    location: str
    quantity: int


class ParcelOut(BaseModel):
    id: int
    seq: int
    carrier: str
    tracking_number: str
    weight_kg: float
    length_cm: float | None
    width_cm: float | None
    height_cm: float | None
    label_pdf_url: str
    label_zpl_url: str


class ShipmentOut(BaseModel):
    id: int
    warehouse: str
    status: str
    carrier: str
    wave_id: int | None
    orders: list[int]
    items: list[ShipmentItem]
    parcels: list[ParcelOut]
    packed_at: datetime | None
    shipped_at: datetime | None


def _detail(uow: UnitOfWork, shipment_id: int) -> dict[str, Any]:
    return uow.run(lambda u: shipment_detail(u.session, shipment_id), read_only=True)


def _authorize(uow: UnitOfWork, principal: Principal, shipment_id: int) -> None:
    check_warehouse(principal, uow.run(lambda u: shipment_warehouse(u.session, shipment_id), read_only=True))


class ShipmentSummary(BaseModel):
    id: int
    warehouse: str
    status: str
    carrier: str
    wave_id: int | None
    orders: int
    units: int
    packed_at: datetime | None
    shipped_at: datetime | None


class ShipmentSummaryPage(Page[ShipmentSummary]):
    pass


@router.get("/shipments", response_model=ShipmentSummaryPage)
def list_shipments(uow: Uow, principal: Reader, page: Annotated[PageParams, Depends()],
                   warehouse: Annotated[str | None, Query(max_length=64)] = None,
                   status: Literal["allocated", "released", "picked", "packed", "shipped", "cancelled"] | None = None,
                   wave_id: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> dict[str, Any]:
    """What waits at the packing station (`status=picked`) or the dock (`status=packed`), oldest first."""
    wh = scoped_warehouse(principal, warehouse)
    rows = uow.run(lambda u: shipment_summaries(u.session, warehouse=wh, status=status, wave_id=wave_id,
                                                after_id=page.after_id, limit=page.limit), read_only=True)
    return page_of(rows, page.limit)


@router.get("/shipments/{shipment_id}", response_model=ShipmentOut)
def get_shipment(shipment_id: RowId, uow: Uow, principal: Reader) -> dict[str, Any]:
    _authorize(uow, principal, shipment_id)
    return _detail(uow, shipment_id)


@router.post("/shipments/{shipment_id}/pack", status_code=201, response_model=ShipmentOut)
def post_pack(shipment_id: RowId, body: Pack, uow: Uow, settings: AppSettings, principal: Floor) -> dict[str, Any]:
    """Verify the scanned items against what was picked for the shipment and close its parcels
    (`parcels[].label_pdf_url` and `label_zpl_url` are this API's paths)."""
    _authorize(uow, principal, shipment_id)
    pack(shipment_id, body, uow, principal.actor, settings.carrier_rules, settings.default_carrier)
    return _detail(uow, shipment_id)


@router.post("/shipments/{shipment_id}/ship", response_model=ShipmentOut)
def post_ship(shipment_id: RowId, uow: Uow, principal: Floor) -> dict[str, Any]:
    """The packed shipment leaves the dock: its stock leaves the warehouse, its orders become shipped."""
    _authorize(uow, principal, shipment_id)
    ship(shipment_id, uow, principal.actor)
    return _detail(uow, shipment_id)


def _label(uow: UnitOfWork, principal: Principal, parcel_id: int, suffix: str) -> Response:
    check_warehouse(principal, uow.run(lambda u: parcel_warehouse(u.session, parcel_id), read_only=True))
    data = uow.run(lambda u: labels.label_data(u.session, parcel_id), read_only=True)
    body, media = (labels.pdf(data), "application/pdf") if suffix == "pdf" else (labels.zpl_label(data), "application/zpl")
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'inline; filename="{data.tracking_number}.{suffix}"'})


@router.get("/parcels/{parcel_id}/label.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "4 × 6 in label"}})
def get_label_pdf(parcel_id: RowId, uow: Uow, principal: Reader) -> Response:
    return _label(uow, principal, parcel_id, "pdf")


@router.get("/parcels/{parcel_id}/label.zpl", response_class=Response,
            responses={200: {"content": {"application/zpl": {}}, "description": "ZPL II, 203 dpi, 4 × 6 in"}})
def get_label_zpl(parcel_id: RowId, uow: Uow, principal: Reader) -> Response:
    return _label(uow, principal, parcel_id, "zpl")

class ReturnLineOut(BaseModel):
    sku: str
    lot: str
    quantity: int
    disposition: str
    location: str
    reason: str | None


class ReturnOut(BaseModel):
    id: int
    warehouse: str
    order_id: int
    reference: str
    received_by: str
    received_at: datetime
    lines: list[ReturnLineOut]


@router.post("/returns", status_code=201, response_model=ReturnOut)
def post_return(body: ReceiveReturn, uow: Uow, settings: AppSettings, principal: Floor,
                background: BackgroundTasks) -> dict[str, Any]:
    """Receive what a customer sent back: each line restocked (to a storage location, same lot and expiry),
    quarantined, or written off with a reason. Only what was shipped to the order can come back."""
    check_warehouse(principal, body.warehouse)
    return_id = receive_return(body, uow, principal.actor)
    restocked = [ln.sku for ln in body.lines if ln.disposition == "restock"]
    if restocked:
        background.add_task(retry_backorders, restocked, uow, Policy.from_settings(settings), principal.actor)
    return uow.run(lambda u: return_detail(u.session, return_id), read_only=True)


@router.get("/returns/{return_id}", response_model=ReturnOut)
def get_return(return_id: RowId, uow: Uow, principal: Reader) -> dict[str, Any]:
    body = uow.run(lambda u: return_detail(u.session, return_id), read_only=True)
    check_warehouse(principal, body["warehouse"])
    return body
