"""Carrier choice and tracking numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from wms.config import CarrierRule, Settings
from wms.errors import Conflict
from wms.shipping.carriers import choose_carrier, is_valid_tracking_number, luhn_digit, tracking_number

RULES = [
    CarrierRule(carrier="POST", country="DE", max_weight_kg=2),
    CarrierRule(carrier="DHL", country="DE"),
    CarrierRule(carrier="UPS", max_weight_kg=30),
]


def test_luhn_digit_of_the_textbook_example() -> None:
    assert luhn_digit("7992739871") == 3


@pytest.mark.parametrize(
    ("requested", "country", "kg", "expected"),
    [
        ("FedEx", "DE", 1, "FedEx"),
        ("auto", "DE", 1.5, "POST"),
        ("AUTO", "de", 2.5, "DHL"),
        ("auto", "FR", 10, "UPS"),
    ],
)
def test_the_order_carrier_wins_else_the_first_rule_that_fits(
    requested: str, country: str, kg: float, expected: str
) -> None:
    assert choose_carrier(requested, country, kg, RULES) == expected


def test_no_rule_fits() -> None:
    with pytest.raises(Conflict) as e:
        choose_carrier("auto", "FR", 31, RULES)
    assert e.value.code == "no_carrier" and e.value.details == {"country": "FR", "weight_kg": 31}
    for fix in ("WMS_CARRIER_RULES", "WMS_DEFAULT_CARRIER", "POST /v1/orders/{id}/carrier"):  # the three ways out
        assert fix in e.value.message


@pytest.mark.parametrize(
    ("requested", "country", "kg", "expected"),
    [
        ("auto", "FR", 31, "GLS"),  # no rule fits: the default
        ("auto", "DE", 1, "POST"),
        ("auto", "FR", 10, "UPS"),  # a rule that fits still wins
        ("FedEx", "FR", 31, "FedEx"),  # and so does the order's own carrier
    ],
)
def test_the_default_carrier_takes_what_no_rule_fits(requested: str, country: str, kg: float, expected: str) -> None:
    assert choose_carrier(requested, country, kg, RULES, default="GLS") == expected
    assert choose_carrier(requested, country, kg, [], default="GLS") == ("GLS" if requested == "auto" else requested)


def test_the_default_carrier_setting() -> None:
    assert Settings.model_fields["default_carrier"].default is None
    assert Settings(default_carrier="GLS").default_carrier == "GLS"
    assert Settings(default_carrier="").default_carrier is None  # WMS_DEFAULT_CARRIER= is unset
    for bad in ("auto", " AUTO ", "x" * 51):
        with pytest.raises(ValidationError):
            Settings(default_carrier=bad)


@given(st.integers(1, 10**10 - 1), st.sampled_from(["UPS", "dhl", "x", "Fed-Ex"]))
def test_tracking_numbers_are_unique_and_check(parcel_id: int, carrier: str) -> None:
    number = tracking_number(carrier, parcel_id)
    assert is_valid_tracking_number(number)
    assert int(number[2:-1]) == parcel_id
    assert tracking_number(carrier, parcel_id + 1) != number


@given(st.integers(1, 10**10 - 1), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_typo_is_caught(parcel_id: int, position: int, change: int) -> None:
    number = tracking_number("UPS", parcel_id)
    digits = list(number[2:])
    digits[position] = str((int(digits[position]) + change) % 10)
    assert not is_valid_tracking_number(number[:2] + "".join(digits))
