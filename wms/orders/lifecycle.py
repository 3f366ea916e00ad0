"""Order states and the transitions between them (pure rules).

The eight states of Chinese e-commerce order processing, in our names:

| state here | 订单状态 | meaning |
|---|---|---|
| `unconfirmed` | 未确认未付款 | received, not yet through review (problems open) |
| `awaiting_payment` | 已确认未付款 | reviewed, waiting for payment |
| `ready` | 已确认已付款未处理 | reviewed and paid, not yet (fully) allocated |
| `allocated` | 已确认已付款已处理 | stock reserved in shipments, in the warehouse's hands |
| `shipped` | 已发货 | every shipment has left the dock |
| `completed` | 已处理已发货 | shipped and closed (delivered / after-sales window over) |
| `refunding` | 退款中 | refund asked after shipping; a return is expected |
| `refunded` | 已退款 | refund done (before shipping: nothing was sent) |

plus `cancelled` (cancelled before shipping, stock released).
"""

from __future__ import annotations

from wms.errors import Conflict

STATUSES = (
    "unconfirmed",
    "awaiting_payment",
    "ready",
    "allocated",
    "shipped",
    "completed",
    "refunding",
    "refunded",
    "cancelled",
)
OPEN = ("unconfirmed", "awaiting_payment", "ready", "allocated")
FINAL = ("refunded", "cancelled")

TRANSITIONS: dict[str, frozenset[str]] = {
    "unconfirmed": frozenset({"awaiting_payment", "ready", "cancelled", "refunded"}),
    "awaiting_payment": frozenset({"ready", "unconfirmed", "cancelled", "refunded"}),
    "ready": frozenset({"allocated", "unconfirmed", "cancelled", "refunded"}),
    "allocated": frozenset({"ready", "unconfirmed", "shipped", "cancelled", "refunded"}),
    "shipped": frozenset({"completed", "refunding"}),
    "completed": frozenset({"refunding"}),
    "refunding": frozenset({"refunded"}),
    "refunded": frozenset(),
    "cancelled": frozenset({"refunded"}),  # a refund message after a cancel: the refund wins
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS[current]:
        raise Conflict(
            f"an order that is {current} cannot become {target}",
            code="illegal_transition",
            details={"from": current, "to": target},
        )


def confirmed_status(paid: bool) -> str:
    """Where an order goes once review has nothing against it."""
    return "ready" if paid else "awaiting_payment"
