"""Building blocks for order tests: a two-warehouse world and order bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from tests.conftest import SMALL_LAYOUT, Api

TODAY = datetime.now(UTC).date()
_ids = count(1)


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def promised(n_days: int = 2) -> str:
    return (
        datetime.combine(TODAY + timedelta(days=n_days), datetime.min.time(), tzinfo=UTC).replace(hour=18).isoformat()
    )


ADDRESS = {"name": "Ann Lee", "line1": "1 Main St", "city": "Springfield", "postcode": "12345", "country": "US"}


def order_body(
    *lines: tuple[str, int],
    external_id: str | None = None,
    paid: bool = True,
    customer: str = "C1",
    carrier: str = "UPS",
    ship_to: dict | None = None,
    **extra: object,
) -> dict:
    return {
        "external_id": external_id or f"EXT-{next(_ids)}",
        "channel": "shop",
        "customer_id": customer,
        "ship_to": ship_to or ADDRESS,
        "paid": paid,
        "promised_ship_by": promised(),
        "carrier": carrier,
        "lines": [{"sku": s, "quantity": q} for s, q in lines],
        **extra,
    }


def world(admin: Api) -> None:
    """WH1 and WH2; MILK (10 days min shelf life) and TEA and SOAP in various lots and places."""
    for code in ("WH1", "WH2"):
        admin.post("/v1/warehouses", {"code": code, "name": code, "layout": SMALL_LAYOUT})
    admin.post("/v1/items", {"sku": "MILK", "name": "Milk", "min_shelf_life_days": 10})
    admin.post("/v1/items", {"sku": "TEA", "name": "Tea"})
    admin.post("/v1/items", {"sku": "SOAP", "name": "Soap"})
    receive(
        admin,
        "WH1",
        ("MILK", "M-OLD", days(-1), 50, "A01-B001-L1-L"),  # expired
        ("MILK", "M-SHORT", days(8), 50, "A01-B002-L1-L"),  # < 10 days at ship date
        ("MILK", "M-EARLY", days(30), 6, "A02-B001-L1-L"),
        ("MILK", "M-LATE", days(60), 20, "A02-B002-L1-L"),
        ("MILK", "M-EARLY", days(30), 4, "A03-B001-L1-L"),
        ("TEA", "T-1", None, 10, "A01-B010-L1-R"),
        ("SOAP", "S-1", None, 3, "A01-B020-L1-R"),
    )
    receive(admin, "WH2", ("TEA", "T-2", None, 30, "A01-B001-L1-L"), ("SOAP", "S-2", None, 8, "A02-B001-L1-L"))


def receive(admin: Api, warehouse: str, *lines: tuple) -> None:
    admin.post(
        "/v1/receipts",
        {
            "warehouse": warehouse,
            "reference": "PO",
            "lines": [
                {"sku": s, "lot": lot, "expiry_date": exp, "quantity": q, "location": loc}
                for s, lot, exp, q, loc in lines
            ],
        },
    )


def allocations(order: dict) -> list[tuple[str, str, str, str, int]]:
    return sorted(
        (sh["warehouse"], ln["sku"], a["location"], a["lot"], a["quantity"])
        for sh in order["shipments"]
        for ln in sh["lines"]
        for a in ln["allocations"]
    )


def reserved(admin: Api) -> dict[tuple[str, str, str], int]:
    return {(r["warehouse"], r["location"], r["lot"]): r["reserved"] for r in admin.all("/v1/stock") if r["reserved"]}
