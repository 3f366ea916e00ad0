"""A small floor for picking tests: one warehouse, stocked, orders pushed, one wave planned."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from tests.api.orders_helpers import days, order_body, receive
from tests.conftest import SMALL_LAYOUT, Api, Backend, make_token

TEA_MAIN, TEA_SPARE, MILK_SHELF = "A03-B015-L1-R", "A01-B002-L1-L", "A02-B005-L1-L"
TEA_BARCODE = "4006381333931"


@dataclass
class Floor:
    admin: Api
    picker: Api
    wave: dict


def stock_floor(admin: Api) -> None:
    """TEA (undated) in two places; MILK (10 days shelf life) in three lots on one shelf."""
    for code in ("WH1", "WH2"):
        admin.post("/v1/warehouses", {"code": code, "name": code, "layout": SMALL_LAYOUT})
    admin.post("/v1/items", {"sku": "TEA", "name": "Tea", "barcode": TEA_BARCODE})
    admin.post("/v1/items", {"sku": "MILK", "name": "Milk", "min_shelf_life_days": 10})
    receive(
        admin,
        "WH1",
        ("TEA", "T-MAIN", None, 20, TEA_MAIN),
        ("TEA", "T-SPARE", None, 5, TEA_SPARE),
        ("MILK", "M-40", days(40), 10, MILK_SHELF),
        ("MILK", "M-60", days(60), 10, MILK_SHELF),
        ("MILK", "M-05", days(5), 10, MILK_SHELF),
    )


def floor(
    admin: Api,
    backend: Backend,
    client: TestClient,
    orders: list[list[tuple[str, int]]],
    cart: dict | None = None,
    carrier: str = "UPS",
) -> Floor:
    stock_floor(admin)
    for k, lines in enumerate(orders):
        admin.post("/v1/orders", order_body(*lines, customer=f"C{k}", carrier=carrier))
    wave = admin.post("/v1/waves", {"warehouse": "WH1", "cart": cart or {"max_units": 50}})
    return Floor(admin, Api(client, make_token(backend, "picker", "WH1")), wave)


def scan(stop: dict, quantity: int | None = None, **changes: object) -> dict:
    """The confirmation a picker's scanner sends for ``stop`` (all of it, unless told otherwise)."""
    body = {
        "location": stop["location"],
        "sku": stop["sku"],
        "lot": stop["lot"],
        "quantity": stop["quantity"] if quantity is None else quantity,
        "stop_id": stop["id"],
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def pick_all(picker: Api, pick_list: dict) -> dict:
    """Confirm every stop in walking order, as a picker does; returns the final pick list."""
    while pick_list["next_stop"] is not None:
        pick_list = picker.post(f"/v1/pick-lists/{pick_list['id']}/confirmations", scan(pick_list["next_stop"]))
    return pick_list


def stock_at(api: Api, location: str, warehouse: str = "WH1") -> dict[tuple[str, str], tuple[int, int]]:
    """(sku, lot) → (on hand, reserved) at one location, rows with stock only."""
    return {
        (r["sku"], r["lot"]): (r["on_hand"], r["reserved"])
        for r in api.all("/v1/stock", warehouse=warehouse, location=location)
        if r["on_hand"]
    }
