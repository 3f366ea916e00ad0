"""Review of an incoming order: which problems need a person, and by when (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

# Postcode shapes of common destination countries; others only need a postcode.
POSTCODES = {
    "US": r"\d{5}(-\d{4})?", "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d", "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
    "DE": r"\d{5}", "FR": r"\d{5}", "IT": r"\d{5}", "ES": r"\d{5}", "NL": r"\d{4} ?[A-Z]{2}", "BE": r"\d{4}",
    "AT": r"\d{4}", "CH": r"\d{4}", "PL": r"\d{2}-\d{3}", "SE": r"\d{3} ?\d{2}", "DK": r"\d{4}", "NO": r"\d{4}",
    "CN": r"\d{6}", "JP": r"\d{3}-?\d{4}", "KR": r"\d{5}", "IN": r"\d{6}", "AU": r"\d{4}", "BR": r"\d{5}-?\d{3}",
    "SG": r"\d{6}", "HK": r".*", "IE": r"[A-Z\d]{3} ?[A-Z\d]{4}",
}
REQUIRED_ADDRESS = ("name", "line1", "city", "postcode", "country")
PAYMENT_REMINDER_AFTER = timedelta(days=2)
SHIP_WITHIN = timedelta(days=3)


@dataclass(frozen=True)
class Finding:
    code: str  # unclear_address, buyer_message, seller_remark, out_of_stock
    detail: str


def address_findings(ship_to: dict[str, Any]) -> list[Finding]:
    missing = [f for f in REQUIRED_ADDRESS if not str(ship_to.get(f) or "").strip()]
    if missing:
        return [Finding("unclear_address", f"address lacks {', '.join(missing)}")]
    country = str(ship_to["country"]).strip().upper()
    postcode = str(ship_to["postcode"]).strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        return [Finding("unclear_address", f"country {ship_to['country']!r} is not an ISO 3166 code")]
    pattern = POSTCODES.get(country)
    if pattern and not re.fullmatch(pattern, postcode):
        return [Finding("unclear_address", f"postcode {ship_to['postcode']!r} does not fit {country}")]
    return []


def review(ship_to: dict[str, Any], buyer_message: str | None, seller_remark: str | None, *,
           review_messages: bool) -> list[Finding]:
    findings = address_findings(ship_to)
    if review_messages and buyer_message and buyer_message.strip():
        findings.append(Finding("buyer_message", "the buyer left a message"))
    if review_messages and seller_remark and seller_remark.strip():
        findings.append(Finding("seller_remark", "the seller left a remark"))
    return findings


def same_day_deadline(now: datetime) -> datetime:
    """Problems are handled the day they are found (end of that UTC day)."""
    return datetime.combine(now.astimezone(UTC).date(), time(23, 59, 59), tzinfo=UTC)


def ship_by(paid_at: datetime, promised_ship_by: datetime) -> datetime:
    """Paid orders ship within three days of payment, or by the promised time if earlier."""
    return min(paid_at + SHIP_WITHIN, promised_ship_by)


def priority_key(ship_by_at: datetime | None, promised: datetime, created_at: datetime,
                 line_count: int) -> tuple[datetime, datetime, int]:
    """Processing order: earliest deadline first, then first come first served, then simple orders."""
    return (ship_by_at or promised, created_at, line_count)
