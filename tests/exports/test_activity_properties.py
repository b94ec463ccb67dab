"""Property tests: whatever the rows hold, the importer never crashes, and every row is
either imported or reported with the line it starts on; balances drop by exactly the
approved imported amounts. The writers keep one record per CRLF-terminated line."""
import csv
import datetime
import io
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exports.activity import import_activity, validate
from exports.writers import PaymentRecord, RunInfo, get_writer
from ledger.models import Account
from tests.support.activity import CSV_HEADERS
from tests.support.records import LA

anything = st.text(max_size=30)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: datetime.timezone(datetime.timedelta(minutes=m)))
moments = st.builds(lambda dt, tz: dt.replace(tzinfo=tz).isoformat().replace("+00:00", "Z"),
                    st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2100, 1, 1)),
                    offsets)
amounts = st.decimals(min_value=0, max_value=100000, places=2).map(str)
accounts = st.sampled_from(["1001", "1002", "1003", "9999", " 1001 ", ""])
references = st.sampled_from(["r1", "r2", "r3"]) | st.uuids().map(str)

PLAUSIBLE = {
    "AccountNumber": accounts, "PaymentGUID": references, "ReferenceNumber": references,
    "PaymentDate": moments, "At": moments, "PaymentTypeID": st.sampled_from(["1", "2", "3"]),
    "PaymentAmount": amounts, "ConvenienceFee": amounts | st.just(""), "Amount": amounts,
    "Status": st.sampled_from(["approved", "declined", "voided", "reversed", "APPROVED", "paid"]),
    "Offline": st.sampled_from(["True", "False", "", "maybe"]), "CardBrand": st.sampled_from(["VISA", "AMEX", ""]),
    "InvoiceTypeID": st.sampled_from(["", "1", "68", "69", "-1"]),
    "TransactionDate": st.dates().map(str), "RejectDate": st.dates().map(str),
    "Code": st.sampled_from(["R01", "r02", "R99", ""]),
    "Kind": st.sampled_from(["email", "phone", "autopay_signup", "paperless_cancel", "other"]),
    "Value": st.sampled_from(["", "a@example.com", "555-0100", "not an email"]),
}


def rows_for(kind):
    header = CSV_HEADERS[kind]
    cell = {column: PLAUSIBLE.get(column, anything) | anything for column in header}
    return st.lists(st.fixed_dictionaries(cell), max_size=8)


def csv_with_lines(kind, rows):
    """The CSV text and the physical line each row starts on."""
    buffer, starts = io.StringIO(), []
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS[kind])
    for row in rows:
        starts.append(len(io.StringIO(buffer.getvalue(), newline="").readlines()) + 1)
        writer.writerow([row[column] for column in CSV_HEADERS[kind]])
    return buffer.getvalue(), starts


def check_every_row_accounted_for(kind, biller, rows):
    text, starts = csv_with_lines(kind, rows)
    with transaction.atomic():
        checked = validate(kind, biller, text)
        valid = [line for line, _, _ in checked.valid]
        assert not set(valid) & set(checked.error_lines)
        assert sorted(valid + checked.error_lines) == starts
        before = dict(Account.objects.filter(biller=biller).values_list("pk", "current_balance"))
        result = import_activity(kind, biller, text)
        assert result.imported == len(valid) and result.rows == len(rows)
        if kind == "payments":
            lowered = defaultdict(Decimal)
            for payment in result.objects:
                if payment.status == "approved":
                    lowered[payment.account_id] += payment.amount
            after = dict(Account.objects.filter(biller=biller).values_list("pk", "current_balance"))
            assert {pk: before[pk] - after[pk] for pk in before if before[pk] != after[pk]} == \
                {pk: amount for pk, amount in lowered.items() if amount}
        transaction.set_rollback(True)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(rows=rows_for("payments"))
def test_it_accounts_for_every_payment_row(watersmart, rows):
    check_every_row_accounted_for("payments", watersmart, rows)


@SETTINGS
@given(rows=rows_for("rejects"))
def test_it_accounts_for_every_reject_row(watersmart, rows):
    check_every_row_accounted_for("rejects", watersmart, rows)


@SETTINGS
@given(rows=rows_for("changes"))
def test_it_accounts_for_every_change_row(watersmart, rows):
    check_every_row_accounted_for("changes", watersmart, rows)


RUN = RunInfo(1, datetime.datetime(2025, 3, 10, 14, tzinfo=datetime.timezone.utc), datetime.date(2025, 3, 9), LA)
payments = st.builds(
    PaymentRecord, payment_guid=anything, account_number=anything, customer_name=anything, payment_message=anything,
    biller_reference=anything, check_number=anything, card_brand=anything,
    paid_at=st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2100, 1, 1),
                         timezones=st.just(datetime.timezone.utc)),
    amount=st.decimals(min_value=0, max_value=10**9, places=2), status=st.sampled_from(["approved", "declined"]),
    payment_type_id=st.sampled_from([1, 2]), offline=st.booleans(), invoice_type_id=st.sampled_from([None, 68]))


@settings(max_examples=100, deadline=None)
@given(records=st.lists(payments, max_size=6), code=st.sampled_from(
    ["watersmart.payments", "incode.payments", "incode.payments.approved_offline", "incode.payments.cloudstore"]))
def test_it_writes_one_crlf_line_per_payment_whatever_the_text(records, code):
    writer = get_writer(code)
    files = writer.write(records, RUN, {})
    header = 1 if code == "watersmart.payments" else 0
    assert sum(out.rows for out in files) == sum(1 for r in records if writer.TAKE.matches(r))
    for out in files:
        text = out.content.decode("utf-8")
        lines = text.split("\r\n")
        assert lines[-1] == "" and len(lines) - 1 == out.rows + header
        columns = len(writer.COLUMNS) if header else 4
        for line in lines[:-1]:
            assert "\r" not in line and "\n" not in line and line.count(",") == columns - 1
