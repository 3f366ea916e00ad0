"""Request body examples of the OpenAPI document, one small story in the order an integrator meets it.

A warehouse BER1 gets a mug, a teapot and olive oil; a purchase order is received; a webshop pushes an order
(it becomes order 1 in an empty database) and two more in bulk, then messages about them; a planner plans a
wave, a picker claims it and confirms the mugs, the packer packs order 1's shipment, it ships, one mug comes
back, the olive oil is put away and a pick face is set near the depot. ``tests/api/test_examples.py``
validates every example against its model and posts them in this order against an empty database.

The examples are put into the document after FastAPI has built it (``add_examples``): FastAPI's encoder
drops every ``null`` from the document, examples included, and a receipt line without its
``expiry_date: null`` would be an invalid example.
"""

from __future__ import annotations

from typing import Any

from fastapi.openapi.models import Example


def one(key: str, summary: str, value: dict[str, Any], description: str | None = None) -> dict[str, Example]:
    """``{key: example}``, the OpenAPI form; several are merged with ``{**a, **b}``."""
    example = Example(summary=summary, value=value)
    if description:
        example["description"] = description
    return {key: example}


SHIP_TO = {
    "name": "Anna Schmidt",
    "line1": "Torstraße 120",
    "city": "Berlin",
    "postcode": "10119",
    "country": "DE",
    "phone": "+49 30 1234567",
}

WAREHOUSE = one(
    "berlin",
    "Six aisles in two blocks, three levels",
    {
        "code": "BER1",
        "name": "Berlin DC",
        "layout": {
            "aisles": 6,
            "aisle_pitch_m": 3.0,
            "blocks": 2,
            "bays_per_block": 12,
            "bay_width_m": 1.3,
            "cross_aisle_width_m": 2.5,
            "levels": 3,
            "depot_x_m": 0,
        },
    },
    "864 storage locations, `A01-B001-L1-L` to `A06-B024-L3-R`, plus the depot's four.",
)

ITEMS = {
    **one(
        "mug",
        "A mug, scannable by its EAN",
        {
            "sku": "MUG-WHITE-350",
            "name": "Stoneware mug, white, 350 ml",
            "unit_volume_l": 0.9,
            "unit_weight_kg": 0.38,
            "barcode": "4006381333924",
        },
    ),
    **one(
        "teapot",
        "A teapot",
        {"sku": "TEAPOT-1L", "name": "Glass teapot, 1 l", "unit_volume_l": 2.4, "unit_weight_kg": 0.7},
    ),
    **one(
        "olive_oil",
        "Olive oil, sold with at least 90 days left",
        {
            "sku": "OLIVE-OIL-500",
            "name": "Olive oil, extra virgin, 500 ml",
            "min_shelf_life_days": 90,
            "unit_volume_l": 0.55,
            "unit_weight_kg": 0.92,
        },
    ),
}

RECEIPT = one(
    "purchase_order",
    "A purchase order: two lines into storage, one to put away",
    {
        "warehouse": "BER1",
        "reference": "PO-2026-0117",
        "lines": [
            {
                "sku": "MUG-WHITE-350",
                "lot": "MUG-2603",
                "expiry_date": None,
                "quantity": 48,
                "location": "A01-B003-L1-L",
            },
            {"sku": "TEAPOT-1L", "lot": "TP-2603", "expiry_date": None, "quantity": 12, "location": "A02-B007-L1-R"},
            {
                "sku": "OLIVE-OIL-500",
                "lot": "OO-26-311",
                "expiry_date": "2028-05-31",
                "quantity": 60,
                "location": "RECEIVING",
            },
        ],
    },
)

MOVE = one(
    "putaway",
    "Put the olive oil away",
    {
        "warehouse": "BER1",
        "sku": "OLIVE-OIL-500",
        "lot": "OO-26-311",
        "quantity": 60,
        "from_location": "RECEIVING",
        "to_location": "A04-B018-L2-L",
        "reference": "PUTAWAY-PO-2026-0117",
    },
)

ORDER = one(
    "paid_order",
    "A paid webshop order",
    {
        "external_id": "WEB-100234",
        "channel": "webshop",
        "customer_id": "C-20770",
        "ship_to": SHIP_TO,
        "paid": True,
        "paid_at": "2026-03-02T09:12:00+01:00",
        "promised_ship_by": "2026-03-04T18:00:00+01:00",
        "carrier": "DHL",
        "lines": [{"sku": "MUG-WHITE-350", "quantity": 2}, {"sku": "TEAPOT-1L", "quantity": 1}],
    },
)

BULK = one(
    "two_orders",
    "Two orders, one not paid yet",
    {
        "orders": [
            {
                "external_id": "WEB-100235",
                "channel": "webshop",
                "customer_id": "C-20771",
                "ship_to": {
                    "name": "Jonas Weber",
                    "line1": "Kastanienallee 7",
                    "city": "Berlin",
                    "postcode": "10435",
                    "country": "DE",
                },
                "paid": True,
                "promised_ship_by": "2026-03-04T18:00:00+01:00",
                "carrier": "DHL",
                "lines": [{"sku": "TEAPOT-1L", "quantity": 1}],
            },
            {
                "external_id": "WEB-100236",
                "channel": "webshop",
                "customer_id": "C-20772",
                "ship_to": {
                    "name": "Mia Keller",
                    "line1": "Lindenstraße 3",
                    "city": "Hamburg",
                    "postcode": "20095",
                    "country": "DE",
                },
                "paid": False,
                "promised_ship_by": "2026-03-06T18:00:00+01:00",
                "carrier": "auto",
                "buyer_message": "Please leave the parcel with a neighbour.",
                "lines": [{"sku": "OLIVE-OIL-500", "quantity": 2}],
            },
        ]
    },
)

MESSAGES = {
    **one(
        "payment",
        "Payment received",
        {"channel": "webshop", "external_id": "WEB-100236", "type": "payment", "at": "2026-03-02T10:05:00+01:00"},
    ),
    **one(
        "address",
        "Address corrected",
        {
            "channel": "webshop",
            "external_id": "WEB-100235",
            "type": "address",
            "at": "2026-03-02T10:20:00+01:00",
            "ship_to": {
                "name": "Jonas Weber",
                "line1": "Kastanienallee 9",
                "line2": "3rd floor",
                "city": "Berlin",
                "postcode": "10435",
                "country": "DE",
            },
        },
    ),
    **one(
        "carrier",
        "Carrier changed",
        {
            "channel": "webshop",
            "external_id": "WEB-100235",
            "type": "carrier",
            "at": "2026-03-02T10:30:00+01:00",
            "carrier": "UPS",
        },
    ),
    **one(
        "cancel",
        "Cancelled by the customer",
        {
            "channel": "webshop",
            "external_id": "WEB-100236",
            "type": "cancel",
            "at": "2026-03-02T11:00:00+01:00",
            "reason": "customer changed their mind",
        },
    ),
}

WAVE = one(
    "wave",
    "Up to 200 orders, carts of 8 orders",
    {
        "warehouse": "BER1",
        "max_orders": 200,
        "cart": {"max_orders": 8, "max_units": 120, "max_volume_l": 160},
        "time_limit_s": 2.0,
    },
)

ROUTE = one("route", "Three locations", {"locations": ["A04-B018-L2-L", "A01-B003-L1-L", "A02-B007-L1-R"]})

CLAIM = one("claim", "A picker's handheld asks for work", {"warehouse": "BER1"})

CONFIRMATION = one(
    "scan",
    "Two mugs scanned at their stop",
    {"location": "A01-B003-L1-L", "sku": "MUG-WHITE-350", "lot": "MUG-2603", "quantity": 2},
    "A short pick sends fewer units with a `reason`: `not_found`, `damaged` or `expired`.",
)

PACK = one(
    "one_parcel",
    "Order WEB-100234 in one parcel",
    {
        "items": [
            {"sku": "MUG-WHITE-350", "lot": "MUG-2603", "quantity": 2},
            {"sku": "TEAPOT-1L", "lot": "TP-2603", "quantity": 1},
        ],
        "parcels": [{"weight_kg": 1.9, "length_cm": 40, "width_cm": 30, "height_cm": 25}],
    },
)

TRUCK = one(
    "carrier_truck",
    "The DHL truck takes every packed DHL shipment waiting at BER1's dock",
    {"warehouse": "BER1", "carrier": "DHL"},
)

RETURN = one(
    "return",
    "One mug back on the shelf, one broken",
    {
        "warehouse": "BER1",
        "order_id": 1,
        "reference": "RMA-5531",
        "lines": [
            {
                "sku": "MUG-WHITE-350",
                "lot": "MUG-2603",
                "quantity": 1,
                "disposition": "restock",
                "location": "A01-B003-L1-L",
            },
            {
                "sku": "MUG-WHITE-350",
                "lot": "MUG-2603",
                "quantity": 1,
                "disposition": "write_off",
                "reason": "broken in transit",
            },
        ],
    },
)

PICK_FACE = one(
    "pick_face",
    "A forward pick face near the depot",
    {"warehouse": "BER1", "location": "A01-B001-L1-L", "sku": "MUG-WHITE-350", "min_quantity": 6, "max_quantity": 24},
    "Empty at first, so a replenishment task from reserve stock opens at once.",
)

WEBHOOK = one(
    "webhook",
    "The ERP's receiver",
    {"url": "https://erp.example.com/hooks/wms", "secret": "whsec-7f3a9c1e5b2d4f60a8e1"},
)

REQUEST_EXAMPLES: dict[str, dict[str, Example]] = {
    "/v1/warehouses": WAREHOUSE,
    "/v1/items": ITEMS,
    "/v1/receipts": RECEIPT,
    "/v1/stock/moves": MOVE,
    "/v1/orders": ORDER,
    "/v1/orders/bulk": BULK,
    "/v1/orders/messages": MESSAGES,
    "/v1/waves": WAVE,
    "/v1/warehouses/{code}/routes": ROUTE,
    "/v1/pick-lists/claim": CLAIM,
    "/v1/pick-lists/{pick_list_id}/confirmations": CONFIRMATION,
    "/v1/shipments/{shipment_id}/pack": PACK,
    "/v1/shipments/ship": TRUCK,
    "/v1/returns": RETURN,
    "/v1/pick-faces": PICK_FACE,
    "/v1/webhooks": WEBHOOK,
}


def add_examples(doc: dict[str, Any]) -> dict[str, Any]:
    """The POST bodies of ``REQUEST_EXAMPLES`` get their examples (a KeyError for a path that is not there)."""
    for path, examples in REQUEST_EXAMPLES.items():
        doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["examples"] = examples
    return doc
