"""Which carrier takes a parcel, and the tracking numbers we give parcels (pure rules, no I/O).

An order names its carrier; ``auto`` leaves the choice to the warehouse's
carrier rules (``WMS_CARRIER_RULES``), tried in order: the first whose
country and weight limit fit wins, else the default carrier
(``WMS_DEFAULT_CARRIER``) when one is set. Until carriers are integrated, tracking
numbers are ours: two letters of the carrier, the parcel id in ten digits
and a Luhn check digit, unique per parcel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from wms.config import CarrierRule
from wms.errors import Conflict

AUTO = "auto"


def choose_carrier(
    requested: str, country: str, weight_kg: float, rules: Sequence[CarrierRule], default: str | None = None
) -> str:
    """The order's carrier; for ``auto`` the first rule that fits, else ``default``."""
    if requested.strip().lower() != AUTO:
        return requested
    for rule in rules:
        if (rule.country is None or rule.country.upper() == country.upper()) and (
            rule.max_weight_kg is None or weight_kg <= rule.max_weight_kg
        ):
            return rule.carrier
    if default is not None:
        return default
    raise Conflict(
        f"no carrier rule takes {weight_kg:g} kg to {country} and there is no default carrier: "
        "add a rule to WMS_CARRIER_RULES, set WMS_DEFAULT_CARRIER, or change the order's carrier "
        "(POST /v1/orders/{id}/carrier)",
        code="no_carrier",
        details={"country": country, "weight_kg": weight_kg},
    )


def luhn_digit(digits: str) -> int:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if k % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def tracking_number(carrier: str, parcel_id: int) -> str:
    prefix = (re.sub(r"[^A-Z]", "", carrier.upper()) + "XX")[:2]
    body = f"{parcel_id:010d}"
    return f"{prefix}{body}{luhn_digit(body)}"


def is_valid_tracking_number(value: str) -> bool:
    m = re.fullmatch(r"[A-Z]{2}(\d{10,})(\d)", value)
    return m is not None and luhn_digit(m.group(1)) == int(m.group(2))
