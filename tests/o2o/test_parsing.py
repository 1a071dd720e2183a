"""Numbers and short texts from query strings and forms (o2o.parsing): anything missing,
malformed, non-finite, out of range or too long is None, never an exception."""

from decimal import Decimal

import pytest

from o2o.parsing import MAX_ID, bounded_text, finite_decimal, finite_float, whole_number

HOSTILE_NUMBERS = [
    None,
    "",
    "  ",
    "inf",
    "-inf",
    "Infinity",
    "nan",
    "NaN",
    "1e400",
    "-1e400",
    "9" * 10_000,
    "0x1F",
    "1_000",
    "١٢",  # Arabic-Indic digits: float() reads them, no form sends them
    "12abc",
    True,
    [],
]


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_hostile_values_are_no_number(value):
    assert whole_number(value) is None
    assert finite_float(value) is None
    assert finite_decimal(value) is None


@pytest.mark.parametrize(("value", "expected"), [("12", 12), (" 7 ", 7), ("-3", -3), (42, 42)])
def test_whole_numbers_are_read(value, expected):
    assert whole_number(value) == expected


@pytest.mark.parametrize("value", ["1.5", "1e3", "9" * 30, str(MAX_ID + 1)])
def test_whole_numbers_are_digits_and_fit_a_bigint(value):
    assert whole_number(value) is None


def test_whole_numbers_respect_their_bounds():
    assert whole_number("0", minimum=1) is None
    assert whole_number("11", maximum=10) is None
    assert whole_number("10", minimum=1, maximum=10) == 10


def test_finite_floats_are_read_within_bounds():
    assert finite_float("31.23") == pytest.approx(31.23)
    assert finite_float("-90", minimum=-90, maximum=90) == -90
    assert finite_float("90.0001", minimum=-90, maximum=90) is None
    assert finite_float("1e308") == 1e308


def test_finite_decimals_are_read_within_bounds():
    assert finite_decimal("12.50") == Decimal("12.50")
    assert finite_decimal("1e400") is None  # a finite Decimal, but wider than any column
    assert finite_decimal("0.000001") == Decimal("0.000001")
    assert finite_decimal("5", maximum=Decimal("4")) is None


def test_bounded_text_refuses_what_is_too_long():
    assert bounded_text("  abc ", max_length=3) == "abc"
    assert bounded_text("abcd", max_length=3) is None
    assert bounded_text(None, max_length=3) is None
