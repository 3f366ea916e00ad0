"""The string and time fields of every request, each with its character set stated in the OpenAPI document.

One rule per kind, written once as a pattern that Pydantic enforces and the document shows:

- **Codes** that are scanned, printed on labels or put in URLs (SKU, lot, barcode, warehouse, location,
  carrier) are printable ASCII, begin with a letter or digit and have no space at either end.
  SKUs and warehouse codes never hold ``/``: they are path segments (``GET /v1/items/{sku}``).
- **External identifiers** from ERPs (``external_id``, ``channel``, ``customer_id``, ``reference``) may
  be any printable Unicode, without spaces at the ends.
- **Text** (names, address parts, reasons) may be any Unicode but no control character (U+0000-U+001F,
  U+007F-U+009F); **notes** (buyer messages, seller remarks, cancel reasons, resolutions) may also
  hold line breaks and tabs. Lone surrogates are refused by Pydantic itself.
- **URLs** (webhooks) are http(s) URLs without spaces or control characters (a URL parser would quietly
  drop a tab or line break).
- **Timestamps** are RFC 3339 strings with an offset (``2026-11-20T18:00:00Z``, ``…+01:00``), years
  1970-2999; **dates** are ``YYYY-MM-DD``. Numbers (Unix times) and times without an offset are refused:
  Pydantic alone would take ``0`` as 1970-01-01.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetPydanticSchema,
    Strict,
    StrictStr,
    UrlConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError, core_schema

CONTROL = r"\x00-\x1f\x7f-\x9f"
TEXT = rf"^[^{CONTROL}]*$"
NOTE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"  # text, and tab, line feed, carriage return
EXTERNAL = rf"^[^{CONTROL} ](?:[^{CONTROL}]*[^{CONTROL} ])?$"
ASCII_PRINTABLE = r"^[!-~](?:[ -~]*[!-~])?$"
SKU = r"^[A-Za-z0-9](?:[A-Za-z0-9 ._-]*[A-Za-z0-9._-])?$"
LOT = r"^[A-Za-z0-9](?:[A-Za-z0-9 ./_-]*[A-Za-z0-9./_-])?$"
WAREHOUSE = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
LOCATION = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
SECRET = r"^[!-~]+$"
HTTP_URL = rf"^[Hh][Tt][Tt][Pp][Ss]?://[^{CONTROL} ]+$"


Sku = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=64,
        pattern=SKU,
        description=("Letters, digits, `-`, `_`, `.` and inner spaces; begins with a letter or digit."),
    ),
]
LotCode = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=64,
        pattern=LOT,
        description=("Letters, digits, `-`, `_`, `.`, `/` and inner spaces; begins with a letter or digit."),
    ),
]
Barcode = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=64,
        pattern=LOT,
        description=("EAN/UPC or another code on the item: letters, digits, `-`, `_`, `.`, `/` and inner spaces."),
    ),
]
Scanned = Annotated[
    StrictStr,
    Field(min_length=1, max_length=64, pattern=LOT, description=("The SKU or the item's barcode, as scanned.")),
]
WarehouseCode = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=32,
        pattern=WAREHOUSE,
        description=("Letters, digits, `-` and `_`; begins with a letter or digit."),
    ),
]
LocationCode = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=40,
        pattern=LOCATION,
        description=("Letters, digits, `-`, `_` and `.`; begins with a letter or digit."),
    ),
]
Carrier = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=50,
        pattern=ASCII_PRINTABLE,
        description=(
            'A carrier\'s name (printable ASCII, no space at either end), or "auto" to let the carrier rules choose.'
        ),
    ),
]
ExternalId = Annotated[
    StrictStr,
    Field(
        min_length=1, max_length=100, pattern=EXTERNAL, description=("Printable characters, no space at either end.")
    ),
]
Channel = Annotated[
    StrictStr,
    Field(min_length=1, max_length=50, pattern=EXTERNAL, description=("Printable characters, no space at either end.")),
]
Reference = Annotated[
    StrictStr,
    Field(
        min_length=1, max_length=100, pattern=EXTERNAL, description=("Printable characters, no space at either end.")
    ),
]
Name = Annotated[
    StrictStr, Field(min_length=1, max_length=200, pattern=TEXT, description=("Text without control characters."))
]
Line = Annotated[StrictStr, Field(max_length=200, pattern=TEXT, description="Text without control characters.")]
Note = Annotated[
    StrictStr,
    Field(
        max_length=2000,
        pattern=NOTE,
        description=("Text; line breaks and tabs are the only control characters allowed."),
    ),
]
Secret = Annotated[
    StrictStr,
    Field(
        min_length=16, max_length=200, pattern=SECRET, description=("16 to 200 printable ASCII characters, no spaces.")
    ),
]


YEAR = r"(?:19[7-9][0-9]|2[0-9]{3})"
DAY = r"(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
CLOCK = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?"
OFFSET = r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
TIMESTAMP = rf"^{YEAR}-{DAY}[Tt]{CLOCK}{OFFSET}$"
DATE = rf"^[1-9][0-9]{{3}}-{DAY}$"


def _matching(pattern: str, kind: type, error: str, message: str) -> BeforeValidator:
    """Lets through a string of ``pattern`` (or an object of ``kind`` made by code, not JSON); refuses the rest."""
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, kind) or (isinstance(value, str) and compiled.fullmatch(value)):
            return value
        raise PydanticCustomError(error, message)

    return BeforeValidator(check)


Timestamp = Annotated[
    AwareDatetime,
    _matching(
        TIMESTAMP,
        datetime,
        "timestamp_format",
        "Input should be an RFC 3339 time with an offset, e.g. 2026-11-20T18:00:00Z",
    ),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": TIMESTAMP,
            "description": "RFC 3339 with an offset (`Z` or `±hh:mm`), years 1970-2999.",
        },
        mode="validation",
    ),
]
Day = Annotated[
    date,
    _matching(DATE, date, "date_format", "Input should be a date as YYYY-MM-DD"),
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": DATE, "description": "`YYYY-MM-DD`."}, mode="validation"
    ),
]


def _reachable_host(url: AnyHttpUrl) -> AnyHttpUrl:
    """A host an HTTP client can look up: labels of 1 to 63 characters, IDNA-encodable (``a..b`` is not)."""
    try:
        encoded = (url.host or "").encode("idna")
    except UnicodeError as exc:
        raise PydanticCustomError(
            "url_host", "the URL's host cannot be looked up: {reason}", {"reason": str(exc)}
        ) from exc
    if not encoded or len(encoded) > 253:
        raise PydanticCustomError("url_host", "the URL's host cannot be looked up")
    return url


HttpUrl = Annotated[
    AnyHttpUrl,
    UrlConstraints(max_length=500),
    AfterValidator(_reachable_host),
    _matching(
        HTTP_URL, AnyHttpUrl, "url_format", "Input should be an http or https URL without spaces or control characters"
    ),
    WithJsonSchema(
        {"type": "string", "format": "uri", "minLength": 1, "maxLength": 500, "pattern": HTTP_URL}, mode="validation"
    ),
]


# Numbers as JSON Schema has them: an integer is a number without a fraction (3 and 3.0 alike), never a
# string or a boolean; a number may be written as an integer. Bounds go into the core schema, so the
# document states them as minimum/maximum.
MAX_ID = 2**53 - 1  # ids: the largest integer every JSON parser reads exactly


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def integer(*, ge: int | None = None, le: int | None = None, gt: int | None = None) -> GetPydanticSchema:
    """The schema of a bounded integer, as metadata: ``Annotated[int, integer(ge=1, le=99), Field(...)]``."""
    return GetPydanticSchema(
        lambda _tp, _handler: core_schema.no_info_before_validator_function(
            _whole, core_schema.int_schema(strict=True, ge=ge, le=le, gt=gt)
        )
    )


Number = Annotated[float, Strict()]
Id = Annotated[int, integer(ge=1, le=MAX_ID)]


# Rules a JSON Schema cannot state (over several fields, or over what a value names): a request the
# document admits may still be refused with 422 for one of these, named by the error's ``code`` or, for
# rules over the body's fields, by ``details[].type``. The API guide lists them.
RULES_BEYOND_SCHEMA = {
    "same_location": "a move needs two different locations",
    "reason_sign": "an adjustment's reason fixes the sign of its delta (found: positive; damaged, lost…: negative)",
    "max_not_above_min": "a pick face's max_quantity must be above its min_quantity",
    "carrier_message": "a carrier message has a carrier, and no other message has one",
    "return_disposition": "a restocked item has a location (no other has one); a write-off has a reason",
    "depot_off_layout": "the depot lies between the first and the last aisle",
    "url_host": "a webhook's URL names a host that can be looked up (labels of 1 to 63 characters)",
    "layout_too_large": "a layout has at most WMS_MAX_LOCATIONS_PER_WAREHOUSE locations",
    "duplicate_count_line": "a cycle count lists each lot once",
    "not_a_storage_location": "putaway, restocking and routes go to storage locations",
    "not_a_packing_station": "a cart is delivered to a packing station",
    "not_a_reserve_location": "replenishment takes stock from a reserve location",
    "ship_ids_or_carrier": "a truck is given either shipment_ids or a carrier, not both",
}


def cross_field_error(rule: str, message: str) -> PydanticCustomError:
    """Raise it from a model validator: a 422 whose detail type is ``rule`` (one of RULES_BEYOND_SCHEMA)."""
    assert rule in RULES_BEYOND_SCHEMA, rule
    return PydanticCustomError(rule, message)
