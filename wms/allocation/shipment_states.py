"""Shipment states and the transitions between them (pure rules).

| state | meaning | left by |
|---|---|---|
| `allocated` | stock reserved; waits for a wave (orders to the same address may still merge into it) | a wave claims it; its orders are released |
| `released` | claimed by a wave: planned into pick lists, being picked | all its units at packing; the wave fails (back to `allocated`) |
| `picked` | every unit at a packing station | packed |
| `packed` | in parcels with labels, at the dock | shipped; its parcels voided (back to `picked`, e.g. a withdrawn order or a new carrier) |
| `shipped` | left the dock | (final) |
| `cancelled` | emptied: every line released or backordered | (final) |

A shipment on the floor (`released`, `picked`, `packed`) is `cancelled` when its last order is taken off it.
"""

from __future__ import annotations

from wms.errors import Conflict

STATUSES = ("allocated", "released", "picked", "packed", "shipped", "cancelled")
FIRST = "allocated"
FINAL = ("shipped", "cancelled")

TRANSITIONS: dict[str, frozenset[str]] = {
    "allocated": frozenset({"released", "cancelled"}),
    "released": frozenset({"allocated", "picked", "cancelled"}),
    "picked": frozenset({"packed", "cancelled"}),
    "packed": frozenset({"picked", "shipped", "cancelled"}),
    "shipped": frozenset(),
    "cancelled": frozenset(),
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS[current]:
        raise Conflict(
            f"a shipment that is {current} cannot become {target}",
            code="illegal_shipment_transition",
            details={"from": current, "to": target},
        )
