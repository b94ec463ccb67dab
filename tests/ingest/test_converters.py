"""Converters of FORMATS.md 2: values and exact messages."""
import datetime
from decimal import Decimal

import pytest

from ingest.formats.converters import (AMOUNT, BOOLEAN, DATE, INTEGER, MONTH, NAME, STRICT_AMOUNT,
                                       TEXT, US_DATE, ZIP, ConversionError, clean_account_without_dashes,
                                       one_of)


@pytest.mark.parametrize("raw, expected", [
    ("0000137.47", "137.47"), ("-0000012.5", "-12.50"), ("12.50-", "-12.50"), ("(12.50)", "-12.50"),
    ("$1,234.5", "1234.50"), ("12", "12.00"), (" 7.1 ", "7.10"), ("12.3400", "12.34"), (".5", "0.50"),
    ("-0.00", "0.00"), ("+3", "3.00"), ("-$5", "-5.00"), ("($1,000,000.00)", "-1000000.00"),
    ("9999999999.99", "9999999999.99"), ("0000000000012.00", "12.00"),
])
def test_it_normalizes_amounts(raw, expected):
    value = AMOUNT.clean(raw)
    assert isinstance(value, Decimal)
    assert AMOUNT.render(value) == expected


def test_it_treats_a_blank_amount_as_null():
    assert AMOUNT.clean("   ") is None


def test_it_rejects_more_than_two_nonzero_decimals():
    with pytest.raises(ConversionError, match=r"^'12\.345' has more than two decimals$"):
        AMOUNT.clean("12.345")


@pytest.mark.parametrize("raw", ["abc", "1e5", "NaN", "--12", "-12-", "(-12)", "1.2.3", "12..5", "$",
                                 "-", ".", "1,23", "12 34", "Infinity", "١٢", "(12", "12)", "1.5e2"])
def test_it_rejects_what_is_not_an_amount(raw):
    with pytest.raises(ConversionError, match=r"is not an amount$"):
        AMOUNT.clean(raw)


def test_it_rejects_more_than_ten_digits_before_the_point():
    with pytest.raises(ConversionError, match=r"^'12345678901' has more than 10 digits before the point$"):
        AMOUNT.clean("12345678901")


def test_it_accepts_only_digits_dot_and_leading_minus_in_a_strict_amount():
    assert STRICT_AMOUNT.render(STRICT_AMOUNT.clean("-15.00")) == "-15.00"
    assert STRICT_AMOUNT.clean("") is None
    for raw in ["$1,020.00", "1 020.00", "15.00-", "(15.00)", "+15"]:
        with pytest.raises(ConversionError) as caught:
            STRICT_AMOUNT.clean(raw)
        assert str(caught.value) == f"'{raw}' has characters other than digits, '.' and a leading '-'"


@pytest.mark.parametrize("raw, expected", [
    ("01/15/2025", "2025-01-15"), ("1/5/2025", "2025-01-05"), ("01/15/25", "2025-01-15"),
    ("2025-01-15", "2025-01-15"), ("20250115", "2025-01-15"), ("1/5/2025 08:30:00 AM", "2025-01-05"),
    ("01/15/2025 8:30 pm", "2025-01-15"), ("2025-01-15T13:45:00", "2025-01-15"), ("2024-02-29", "2024-02-29"),
])
def test_it_reads_the_accepted_date_forms(raw, expected):
    assert DATE.render(DATE.clean(raw)) == expected


@pytest.mark.parametrize("raw", ["13/45/2024", "2023-02-29", "15.01.2025", "2025/01/15", "Jan 5 2025",
                                 "01/15/2025 noon", "0000-01-01", "1/5/202", "2025011"])
def test_it_names_the_value_and_the_accepted_forms_of_a_bad_date(raw):
    with pytest.raises(ConversionError) as caught:
        DATE.clean(raw)
    assert str(caught.value) == (f"'{raw}' is not a date (accepted: MM/DD/YYYY, M/D/YYYY, MM/DD/YY, "
                                 "YYYY-MM-DD, YYYYMMDD)")


def test_it_renders_us_dates_for_the_incode_custom_fields():
    assert US_DATE.render(US_DATE.clean("20210528")) == "05/28/2021"
    assert DATE.clean("") is None


@pytest.mark.parametrize("raw, expected", [("1", True), ("0", False), ("Y", True), ("n", False),
                                           ("TRUE", True), ("false", False), ("", None)])
def test_it_reads_booleans(raw, expected):
    assert BOOLEAN.clean(raw) is expected


def test_it_rejects_other_booleans():
    with pytest.raises(ConversionError, match=r"^'yes' is not a boolean \(accepted: 1, 0, Y, N, true, false\)$"):
        BOOLEAN.clean("yes")


def test_it_reads_integers_and_choices():
    assert INTEGER.clean(" 042 ") == 42
    assert one_of(1, 2)("2") == 2
    with pytest.raises(ConversionError, match=r"^'1\.0' is not an integer$"):
        INTEGER.clean("1.0")
    with pytest.raises(ConversionError, match=r"^'7' must be 1 or 2$"):
        one_of(1, 2)("7")


def test_it_checks_zip_codes():
    assert ZIP.clean("93704-1201") == "93704-1201"
    assert ZIP.clean("01234") == "01234"
    with pytest.raises(ConversionError, match=r"^'9370A' is not a zip code"):
        ZIP.clean("9370A")


def test_it_trims_text_and_collapses_whitespace_in_names():
    assert TEXT.clean("  a  b \n c ") == "a  b \n c"
    assert NAME.clean("  Maria \u00a0 Lopez\t\n Jr ") == "Maria Lopez Jr"
    assert NAME.clean("Zoë 山田 😀") == "Zoë 山田 😀"
    assert TEXT.clean("   ") is None


@pytest.mark.parametrize("raw, code", [("Bad\x07Name", "0007"), ("A\x00B", "0000"), ("x\x7fy", "007F")])
def test_it_rejects_control_characters_in_text(raw, code):
    with pytest.raises(ConversionError, match=f"contains the control character U\\+{code}$"):
        NAME.clean(raw)


def test_it_reads_month_names_and_numbers():
    assert [MONTH.clean(m) for m in ("Jan", "01", "1", "dec", "12")] == ["Jan", "Jan", "Jan", "Dec", "Dec"]
    with pytest.raises(ConversionError, match=r"^'13' is not a month"):
        MONTH.clean("13")


def test_it_removes_every_dash_from_an_account():
    assert clean_account_without_dashes(" 10-1002-62501 ") == "10100262501"
    assert clean_account_without_dashes("--") is None


def test_it_never_returns_a_float():
    assert type(AMOUNT.clean("0.1")) is Decimal and AMOUNT.clean("0.1") == Decimal("0.10")
    assert DATE.clean("2025-01-15") == datetime.date(2025, 1, 15)
