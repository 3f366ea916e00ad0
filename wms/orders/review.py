"""Review of an incoming order: which problems need a person, and by when; which order comes first (pure).

Plain data in, plain data out: the orders workflow loads the order and its open
problems, asks these rules, and writes what they say.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from wms.orders.addresses import country_code, postcode_fits, postcode_rule

ADDRESS_PARTS = ("name", "line1", "city", "postcode", "country")
PAYMENT_REMINDER_AFTER = timedelta(days=2)
SHIP_WITHIN = timedelta(days=3)
# problems that hold an order in review until a person resolves them (out_of_stock and short_pick do not)
BLOCKING = ("unclear_address", "buyer_message", "seller_remark")


@dataclass(frozen=True)
class Finding:
    code: str  # unclear_address, buyer_message, seller_remark, out_of_stock
    detail: str


def address_findings(ship_to: dict[str, Any]) -> list[Finding]:
    """An address a carrier may not deliver to: a part missing, a country that is not ISO 3166, a
    postcode missing or not in its country's format. At most one finding (one problem per order)."""
    country = country_code(_text(ship_to, "country"))
    missing = missing_parts(ship_to, country)
    if missing:
        return [Finding("unclear_address", f"address lacks {', '.join(missing)}")]
    if country is None:
        return [Finding("unclear_address", f"country {ship_to['country']!r} is not an ISO 3166 country")]
    postcode = _text(ship_to, "postcode")
    if postcode and not postcode_fits(postcode, country):
        example = postcode_rule(country).example
        return [
            Finding(
                "unclear_address",
                f"postcode {ship_to['postcode']!r} does not fit {country}" + (f" (e.g. {example})" if example else ""),
            )
        ]
    return []


def missing_parts(ship_to: dict[str, Any], country: str | None) -> list[str]:
    """The empty parts of an address; the postcode only where the (known) country requires one."""
    postcode_needed = country is not None and postcode_rule(country).required
    return [f for f in ADDRESS_PARTS if not _text(ship_to, f) and (f != "postcode" or postcode_needed)]


def _text(ship_to: dict[str, Any], part: str) -> str:
    return str(ship_to.get(part) or "").strip()


def review(
    ship_to: dict[str, Any], buyer_message: str | None, seller_remark: str | None, *, review_messages: bool
) -> list[Finding]:
    findings = address_findings(ship_to)
    if review_messages and buyer_message and buyer_message.strip():
        findings.append(Finding("buyer_message", "the buyer left a message"))
    if review_messages and seller_remark and seller_remark.strip():
        findings.append(Finding("seller_remark", "the seller left a remark"))
    return findings


def passes_review(open_codes: Iterable[str]) -> bool:
    """An order goes on (is confirmed) once none of its open problems is one that needs a person first."""
    return not any(code in BLOCKING for code in open_codes)


def is_new_problem(finding: Finding, open_codes: Iterable[str]) -> bool:
    """One open problem per code: a finding whose code is open already is not flagged again."""
    return finding.code not in set(open_codes)


def same_day_deadline(now: datetime) -> datetime:
    """Problems are handled the day they are found (end of that UTC day)."""
    return datetime.combine(now.astimezone(UTC).date(), time(23, 59, 59), tzinfo=UTC)


def ship_by(paid_at: datetime, promised_ship_by: datetime) -> datetime:
    """Paid orders ship within three days of payment, or by the promised time if earlier."""
    return min(paid_at + SHIP_WITHIN, promised_ship_by)


@dataclass(frozen=True)
class Urgency:
    """What the processing priority reads of an order, or of a shipment (``shipment_urgency``)."""

    id: int  # the order's or the shipment's: the last tie-break, so that the order is total
    ship_by: datetime | None  # None until paid
    promised_ship_by: datetime
    created_at: datetime
    line_count: int

    @property
    def deadline(self) -> datetime:
        return self.ship_by or self.promised_ship_by


def priority_key(u: Urgency) -> tuple[datetime, datetime, int, int]:
    """Processing order, most urgent first: earliest ship-by (``ship_by``, else the promised ship-by), then
    first come first served (``created_at``), then simple orders (fewer lines), then the lower id.
    The only definition: waves, their pick lists and backorders all sort by it."""
    return (u.deadline, u.created_at, u.line_count, u.id)


def shipment_urgency(shipment_id: int, orders: Iterable[Urgency]) -> Urgency:
    """A shipment of one or more (merged) orders: due by its earliest order's deadline, as old as its oldest
    order, with all their lines."""
    each = list(orders)
    if not each:
        raise ValueError(f"shipment {shipment_id} carries no order")
    deadline = min(o.deadline for o in each)
    return Urgency(shipment_id, deadline, deadline, min(o.created_at for o in each), sum(o.line_count for o in each))
