"""to_wire never writes exponent notation and round-trips every finite decimal exactly."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.wire.money import InvalidAmount, check_amount, parse_decimal, round_to_step, show, to_wire

D = Decimal
PLAIN = re.compile(r"-?\d+(\.\d+)?")


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_to_wire_is_plain_and_exact(value: Decimal) -> None:
    text = to_wire(value)
    assert PLAIN.fullmatch(text), text
    assert D(text) == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("0.00000001"), "0.00000001"),  # str() gives 1E-8, which Binance refuses (-1100)
        (D("1E+2"), "100"),
        (D("0E-8"), "0.00000000"),
        (D("-0"), "0"),
        (D("1.50"), "1.50"),
    ],
)
def test_to_wire_known_values(value: Decimal, text: str) -> None:
    assert to_wire(value) == text


@pytest.mark.parametrize("value", [D("NaN"), D("Infinity"), D("-Infinity"), D("sNaN")])
def test_to_wire_refuses_non_finite(value: Decimal) -> None:
    with pytest.raises(InvalidAmount):
        to_wire(value)


@pytest.mark.parametrize("text", ["abc", "NaN", "-1", "1e20", "Infinity", ""])
def test_parse_decimal_refuses_what_cannot_be_money(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_decimal(text)


def test_check_and_round() -> None:
    assert check_amount(D("99999999999999999999.9")) == D("99999999999999999999.9")
    assert round_to_step(D("1.23456"), D("0.001")) == D("1.234")
    assert to_wire(round_to_step(D("0.000000019"), D("0.00000001"))) == "0.00000001"


def test_show_is_to_wire_for_sane_values_and_compact_for_absurd_ones() -> None:
    # Messages show received values: positional text of 1E-999999999 would be a gigabyte.
    assert show(Decimal("0.00000001")) == to_wire(Decimal("0.00000001")) == "0.00000001"
    assert show(Decimal("1E-40")) == to_wire(Decimal("1E-40"))
    assert show(Decimal("1E-41")) == "1E-41"
    assert show(Decimal("1E-999999999")) == "1E-999999999"
    assert (show(Decimal("NaN")), show(Decimal("-Infinity"))) == ("NaN", "-Infinity")
