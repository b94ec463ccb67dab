"""A payment voided in the admin or reversed by an imported row after an Incode payments file
carried it goes into the next IC_YYYYMMDD-RejectedReversedPayments.txt, exactly once, and its
balance effect (account balance, invoice amount paid) is undone exactly once.

The files of each run are compared byte for byte with tests/exports/golden/<case>/<run>/
(written once with UPDATE_GOLDEN=1, checked by hand against FORMATS.md 7.4)."""
import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection

import exports.activity
from exports.activity import import_activity
from exports.models import CarriedPayment
from exports.payments import void_payments
from exports.runs import read_file, regenerate, run_export
from ledger.models import Account, Invoice, Payment, PaymentStatus
from tests.support.activity import make_csv, payment_row
from tests.support.races import meeting, run_together

GOLDEN = Path(__file__).parent / "golden"
FORMAT = "incode.payments.approved_offline"
D = datetime.date
UTC = datetime.timezone.utc
RUN_TIMES = [datetime.datetime(2025, 3, 10, 12, tzinfo=UTC), datetime.datetime(2025, 3, 11, 12, tzinfo=UTC),
             datetime.datetime(2025, 3, 12, 12, tzinfo=UTC)]
CHANGED_AT = datetime.datetime(2025, 3, 10, 18, 30, tzinfo=UTC)  # 13:30 in Chicago, the day after the sale
SALE = dict(AccountNumber="1001", InvoiceNumber="INV-1", PaymentDate="2025-03-09T10:00:00-06:00",
            PaymentMessage="Approved 000518")


@pytest.fixture
def sold(incode):
    """Two approved payments on invoice INV-1 of account 1001, carried by the run for 03/09."""
    Invoice.objects.create(biller=incode, account=Account.objects.get(biller=incode, account_number="1001"),
                           invoice_number="INV-1", invoice_date=D(2025, 3, 1), due_date=D(2025, 3, 20),
                           total_amount_due=Decimal("100.00"), invoice_type_id=42)
    rows = [payment_row(PaymentGUID="p-1", PaymentAmount="30.00", **SALE),
            payment_row(PaymentGUID="p-2", PaymentAmount="5.00", **SALE)]
    result = import_activity("payments", incode, make_csv("payments", rows))
    assert result.imported == 2 and not result.errors
    runs = [run_export(incode, FORMAT, D(2025, 3, 9), now=RUN_TIMES[0])]
    assert money(incode) == (Decimal("65.00"), Decimal("35.00"))
    return runs


def money(biller):
    account = Account.objects.get(biller=biller, account_number="1001")
    return account.current_balance, Invoice.objects.get(biller=biller, invoice_number="INV-1").amount_paid


def run_next_days(biller, runs):
    runs.append(run_export(biller, FORMAT, D(2025, 3, 10), now=RUN_TIMES[1]))
    runs.append(run_export(biller, FORMAT, D(2025, 3, 11), now=RUN_TIMES[2]))
    return runs


def assert_golden(case, runs):
    for number, run in enumerate(runs, start=1):
        folder = GOLDEN / case / str(number)
        files = {f.name: read_file(f) for f in run.files.all()}
        if os.environ.get("UPDATE_GOLDEN") == "1":
            folder.mkdir(parents=True, exist_ok=True)
            for name, content in files.items():
                (folder / name).write_bytes(content)
        assert sorted(files) == sorted(p.name for p in folder.iterdir())
        for name, content in files.items():
            assert content == (folder / name).read_bytes(), f"run {number}: {name}"


def reversal_csv(guid="p-1", **values):
    row = {**SALE, "PaymentGUID": guid, "PaymentAmount": "30.00", "Status": "reversed",
           "PaymentMessage": "Reversed R01", **values}
    return make_csv("payments", [payment_row(**row)])


def test_a_void_after_export_goes_into_the_next_rejected_reversed_file_once(incode, sold, users):
    voided, left = void_payments(Payment.objects.filter(payment_guid="p-1"), users["support"], now=CHANGED_AT)
    assert (voided, left) == (1, 0)
    assert money(incode) == (Decimal("95.00"), Decimal("5.00"))
    runs = run_next_days(incode, sold)
    assert [run.record_count for run in runs] == [2, 1, 0]
    assert_golden("incode.payments.approved_offline.void_after_export", runs)
    assert money(incode) == (Decimal("95.00"), Decimal("5.00"))
    void_payments(Payment.objects.filter(payment_guid="p-1"), users["support"])
    assert money(incode) == (Decimal("95.00"), Decimal("5.00"))  # voiding again changes nothing


def test_a_reversal_imported_after_export_goes_into_the_next_rejected_reversed_file_once(incode, sold):
    result = import_activity("payments", incode, reversal_csv(), now=CHANGED_AT)
    assert (result.imported, result.changed, result.errors) == (0, 1, [])
    payment = Payment.objects.get(payment_guid="p-1")
    assert (payment.status, payment.balance_lowered, payment.voided_at) == (PaymentStatus.REVERSED, False,
                                                                            CHANGED_AT)
    assert money(incode) == (Decimal("95.00"), Decimal("5.00"))
    again = import_activity("payments", incode, reversal_csv())  # the same reversal row, re-imported
    assert (again.imported, again.changed) == (0, 0)
    assert [str(e) for e in again.errors] == ["line 2, PaymentGUID: 'p-1' was already imported"]
    assert money(incode) == (Decimal("95.00"), Decimal("5.00"))
    runs = run_next_days(incode, sold)
    assert [run.record_count for run in runs] == [2, 1, 0]
    assert_golden("incode.payments.approved_offline.reverse_after_export", runs)


def test_a_second_run_for_the_same_date_does_not_carry_the_reversal_again(incode, sold, users):
    void_payments(Payment.objects.filter(payment_guid="p-2"), users["support"], now=CHANGED_AT)
    first = run_export(incode, FORMAT, D(2025, 3, 10), now=RUN_TIMES[1])
    second = run_export(incode, FORMAT, D(2025, 3, 10), now=RUN_TIMES[2])
    later = run_export(incode, FORMAT, D(2025, 3, 20), now=RUN_TIMES[2])
    assert (first.record_count, second.record_count, later.record_count) == (1, 0, 0)
    links = CarriedPayment.objects.filter(record__payment_guid="p-2").order_by("run_id")
    assert [(link.run_id, link.approved) for link in links] == [(sold[0].pk, True), (first.pk, False)]


def test_a_reversal_is_dated_by_when_it_happened(incode, sold, users):
    """A run for a business date before the void does not report it (FORMATS.md 7.5)."""
    void_payments(Payment.objects.filter(payment_guid="p-1"), users["support"], now=CHANGED_AT)
    before = run_export(incode, FORMAT, D(2025, 3, 9), now=RUN_TIMES[1])
    after = run_export(incode, FORMAT, D(2025, 3, 10), now=RUN_TIMES[2])
    assert (before.record_count, after.record_count) == (0, 1)


def test_a_run_downloads_again_as_it_was_written_after_a_later_void(incode, sold, users):
    written = [read_file(f) for f in sold[0].files.order_by("id")]
    void_payments(Payment.objects.all(), users["support"], now=CHANGED_AT)
    assert [out.content for out in regenerate(sold[0])] == written


def test_a_payment_voided_before_any_export_is_reported_once_as_not_approved(incode, users):
    import_activity("payments", incode, make_csv("payments", [payment_row(PaymentGUID="p-9", **SALE)]))
    void_payments(Payment.objects.all(), users["support"], now=CHANGED_AT)
    first = run_export(incode, FORMAT, D(2025, 3, 10), now=RUN_TIMES[1])
    second = run_export(incode, FORMAT, D(2025, 3, 11), now=RUN_TIMES[2])
    names = {f.name: read_file(f) for f in first.files.all()}
    assert names == {"IC_20250310.txt": b"", "IC_20250310-RejectedReversedPayments.txt":
                     b"1001,03/09/2025,10.00,Approved 000518\r\n"}
    assert second.record_count == 0


def test_a_cloud_store_payment_voided_after_export_is_reported_in_the_rejected_file(incode, users):
    import_activity("payments", incode, make_csv("payments", [payment_row(PaymentGUID="c-1", InvoiceTypeID="68",
                                                                          **SALE)]))
    cloud = run_export(incode, "incode.payments.cloudstore", D(2025, 3, 9), now=RUN_TIMES[0])
    assert cloud.record_count == 1
    void_payments(Payment.objects.all(), users["support"], now=CHANGED_AT)
    first = run_export(incode, FORMAT, D(2025, 3, 10), now=RUN_TIMES[1])
    again = run_export(incode, FORMAT, D(2025, 3, 11), now=RUN_TIMES[2])
    rejected = first.files.get(name__endswith="-RejectedReversedPayments.txt")
    assert read_file(rejected) == b"1001,03/09/2025,10.00,Approved 000518\r\n"
    assert again.record_count == 0


def test_an_offline_payment_voided_after_export_leaves_the_main_file(incode, users):
    import_activity("payments", incode, make_csv("payments", [payment_row(
        PaymentGUID="cash-1", Offline="True", PaymentTypeID="2", CardBrand="", PaymentMessage="Offline cash",
        **{k: v for k, v in SALE.items() if k != "PaymentMessage"})]))
    run_export(incode, FORMAT, D(2025, 3, 9), now=RUN_TIMES[0])
    void_payments(Payment.objects.all(), users["support"], now=CHANGED_AT)
    run = run_export(incode, FORMAT, D(2025, 3, 10), now=RUN_TIMES[1])
    files = {f.name: read_file(f) for f in run.files.all()}
    assert files == {"IC_20250310.txt": b"", "IC_20250310-RejectedReversedPayments.txt":
                     b"1001,03/09/2025,10.00,Offline cash\r\n"}


@pytest.mark.parametrize("values, message", [
    ({"PaymentAmount": "31.00"}, "line 2, PaymentAmount: '31.00' differs from the imported payment p-1 (30.00); "
                                 "a later row may change only Status and PaymentMessage"),
    ({"AccountNumber": "1002"}, "line 2, AccountNumber: '1002' differs from the imported payment p-1 (1001); "
                                "a later row may change only Status and PaymentMessage"),
    ({"Status": "approved", "PaymentMessage": "Approved again"},
     "line 2, PaymentMessage: 'Approved again' differs from the imported payment p-1 (Approved 000518); "
     "a later row may change only Status and PaymentMessage"),
    ({"Status": "declined"}, "line 2, Status: 'declined' cannot follow approved for the imported payment p-1 "
                             "(an approved payment may become voided or reversed)"),
])
def test_a_conflicting_later_row_is_an_error_naming_line_field_and_value(incode, sold, values, message):
    result = import_activity("payments", incode, reversal_csv(**values))
    assert (result.imported, result.changed, [str(e) for e in result.errors]) == (0, 0, [message])
    assert Payment.objects.get(payment_guid="p-1").status == PaymentStatus.APPROVED
    assert money(incode) == (Decimal("65.00"), Decimal("35.00"))


def test_a_voided_payment_cannot_be_reversed_or_approved_again(incode, sold, users):
    void_payments(Payment.objects.filter(payment_guid="p-1"), users["support"], now=CHANGED_AT)
    result = import_activity("payments", incode, reversal_csv())
    assert [str(e) for e in result.errors] == [
        "line 2, Status: 'reversed' cannot follow voided for the imported payment p-1 "
        "(an approved payment may become voided or reversed)"]
    assert money(incode) == (Decimal("95.00"), Decimal("5.00"))


def test_the_admin_import_previews_and_applies_a_reversal(client, incode, sold):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.login(username="support", password="demo")
    url = "/admin/ledger/payment/import/"
    upload = {"biller": incode.pk, "format": "0", "resource": "0",
              "import_file": SimpleUploadedFile("r.csv", reversal_csv().encode(), content_type="text/csv")}
    preview = client.post(url, upload)
    page = preview.content.decode()
    assert preview.status_code == 200 and "1 payment(s) imported before will be voided or reversed" in page
    assert Payment.objects.get(payment_guid="p-1").status == PaymentStatus.APPROVED
    confirm = {key: value for key, value in preview.context["confirm_form"].initial.items()}
    done = client.post("/admin/ledger/payment/process_import/", confirm, follow=True)
    assert "Voided or reversed 1 imported before." in done.content.decode()
    assert Payment.objects.get(payment_guid="p-1").status == PaymentStatus.REVERSED
    assert money(incode) == (Decimal("95.00"), Decimal("5.00"))


@pytest.mark.postgresql
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's in-memory test database has no row locks")
def test_a_void_and_a_reversal_at_the_same_instant_undo_the_payment_once(committed_db, demo, monkeypatch):
    """The import has read the payments as approved when the admin void starts, and goes on
    after the void committed: it must read them again under its row locks."""
    incode = demo["demo-incode"]
    support = User.objects.get(username="support")
    rows = [payment_row(PaymentGUID=f"p-{i}", PaymentAmount="30.00", **{**SALE, "InvoiceNumber": ""})
            for i in range(1, 21)]
    assert import_activity("payments", incode, make_csv("payments", rows)).imported == 20
    assert Account.objects.get(biller=incode, account_number="1001").current_balance == Decimal("-500.00")
    reversals = make_csv("payments", [{**row, "Status": "reversed", "PaymentMessage": "Reversed R01"} for row in rows])
    meet = meeting(2)
    real_validate = exports.activity.validate

    def validate_then_wait(*args):
        checked = real_validate(*args)
        meet.wait()  # the import has read the payments as approved: the void starts
        meet.wait()  # the void has committed
        return checked

    monkeypatch.setattr(exports.activity, "validate", validate_then_wait)

    def void():
        meet.wait()
        try:
            return void_payments(Payment.objects.all(), support)[0]
        finally:
            meet.wait()

    def reverse():
        result = import_activity("payments", incode, reversals)
        return result.changed, len(result.errors)

    voided, reversed_ = run_together(void, reverse, meeting=meet)
    assert (voided, reversed_) == (20, (0, 20))
    assert not Payment.objects.filter(status=PaymentStatus.APPROVED).exists()
    assert Account.objects.get(biller=incode, account_number="1001").current_balance == Decimal("100.00")
