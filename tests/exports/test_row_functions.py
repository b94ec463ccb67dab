"""The compiled row functions (exports.writers.base.row_function) write the text that the
columns' own value functions write (`render_row`), for every writer's columns and any values:
dates of any year, in any zone, across DST; amounts of any kind; text with commas and line
breaks; length limits."""
import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exports.writers import ChangeRecord, PaymentRecord, RejectRecord, RunInfo, WriterError, columns_of
from exports.writers.base import CRLF, Column, day, fixed_format, local_time, render, render_row
from exports.writers.watersmart_changelog import account_rows

UTC = datetime.timezone.utc
ZONES = [ZoneInfo("America/Los_Angeles"), ZoneInfo("America/Chicago"), ZoneInfo("UTC"), ZoneInfo("Asia/Kolkata")]
texts = st.text(st.sampled_from("ab,é\r\n =-+@\"'"), max_size=8)
amounts = st.one_of(st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-10**12,
                                max_value=10**12), st.integers(-10**6, 10**6), st.none(),
                    st.sampled_from([Decimal("-0"), Decimal("-0.004"), Decimal("0.005"), Decimal("1.005"), "12.5"]))
instants = st.datetimes(datetime.datetime(1, 1, 2), datetime.datetime(9999, 12, 30), timezones=st.just(UTC))
payments = st.builds(PaymentRecord, payment_guid=texts, paid_at=instants, account_number=texts, amount=amounts,
                     status=st.sampled_from(["approved", "declined", "voided", "reversed"]),
                     payment_type_id=st.sampled_from([1, 2]), offline=st.booleans(), card_brand=texts,
                     invoice_type_id=st.none() | st.integers(0, 99), invoice_number=texts, customer_name=texts,
                     convenience_fee=amounts, payment_message=texts, check_number=texts)
rejects = st.builds(RejectRecord, reference_number=texts, transaction_date=st.dates(), reject_date=st.dates(),
                    account_number=texts, amount=amounts, code=texts, customer_name=texts)
changes = st.builds(ChangeRecord, account_number=texts, at=instants, value=texts, sequence=st.integers(0, 9),
                    kind=st.sampled_from(["autopay_signup", "autopay_cancel", "email", "phone", "paperless_signup",
                                          "paperless_cancel"]))
runs = st.builds(RunInfo, run_id=st.integers(1, 10**6), created_at=st.just(datetime.datetime(2025, 3, 9, tzinfo=UTC)),
                 business_date=st.just(datetime.date(2025, 3, 9)), zone=st.sampled_from(ZONES))

PAYMENT_CODES = ["watersmart.payments", "incode.payments", "incode.payments.approved_offline",
                 "incode.payments.cloudstore"]


def expected_bytes(columns, records, run):
    """What `render` wrote before the row functions: each column's value function, per row."""
    text = "".join(render_row(columns, record, run) for record in records)
    return text.encode("utf-8")


def same_text_or_same_error(columns, records, run):
    try:
        expected = expected_bytes(columns, records, run)
    except WriterError as error:
        with pytest.raises(WriterError) as raised:
            render(columns, records, run, header=False)
        assert str(raised.value) == str(error)
        return
    assert render(columns, records, run, header=False) == expected


@settings(max_examples=150, deadline=None)
@given(records=st.lists(payments, max_size=6), run=runs, code=st.sampled_from(PAYMENT_CODES))
def test_payment_rows_are_the_columns_values(records, run, code):
    same_text_or_same_error(columns_of(code), records, run)


@settings(max_examples=100, deadline=None)
@given(records=st.lists(rejects, max_size=6), run=runs)
def test_reject_rows_are_the_columns_values(records, run):
    same_text_or_same_error(columns_of("watersmart.rejects"), records, run)


@settings(max_examples=100, deadline=None)
@given(records=st.lists(changes, max_size=8), run=runs)
def test_change_log_rows_are_the_columns_values(records, run):
    """Its columns read functions of an account's row (callable sources) and limit lengths."""
    same_text_or_same_error(columns_of("watersmart.changelog"), account_rows(records), run)


@settings(max_examples=200, deadline=None)
@given(fmt=st.lists(st.sampled_from(["%Y", "%m", "%d", "%H", "%M", "%S", "%%", "%j", "%b", "/", "-", " ", "%", "T"]),
                    max_size=8).map("".join), value=instants, zone=st.sampled_from(ZONES))
def test_any_date_format_writes_what_strftime_writes(fmt, value, zone):
    run = RunInfo(1, value, value.date(), zone)
    columns = (Column("Local", local_time("paid_at", fmt)), Column("Day", day("reject_date", fmt)))
    record = RejectRecord("r", value.date(), value.date(), "1", Decimal(1), "R01")
    record.__dict__["paid_at"] = value  # a record with both kinds of date
    try:
        expected = render_row(columns, record, run).encode()
    except ValueError:  # strftime refuses a lone trailing %
        with pytest.raises(ValueError):
            render(columns, [record], run, header=False)
        return
    assert render(columns, [record], run, header=False) == expected


def test_fixed_formats_are_the_numeric_directives_only():
    assert fixed_format("%m%d%Y%H%M%S") == ("%02d%02d%04d%02d%02d%02d",
                                            ("month", "day", "year", "hour", "minute", "second"))
    assert fixed_format("%m/%d/%Y") == ("%02d/%02d/%04d", ("month", "day", "year"))
    assert fixed_format("100%% %Y") == ("100%% %04d", ("year",))
    assert fixed_format("%b %Y") is None and fixed_format("%Y%") is None
    assert fixed_format("%H", attributes=("year", "month", "day")) is None


def test_equal_amounts_of_any_kind_give_the_same_text():
    """The row function remembers an amount's text per value (exports.writers.base.cached_amounts)."""
    columns = columns_of("incode.payments")
    run = RunInfo(1, datetime.datetime(2025, 3, 9, tzinfo=UTC), datetime.date(2025, 3, 9), ZONES[0])
    at = datetime.datetime(2025, 3, 9, 12, tzinfo=UTC)
    records = [PaymentRecord("g", at, "1", amount, "approved", 1) for amount in
               [Decimal("1.0"), Decimal("1.00"), 1, Decimal("-0.001"), Decimal("0"), None]]
    assert render(columns, records, run, header=False).decode().split(CRLF)[:-1] == [
        f"1,03/09/2025,{text}," for text in ["1.00", "1.00", "1.00", "0.00", "0.00", "0.00"]]
