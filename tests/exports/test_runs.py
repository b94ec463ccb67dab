"""Export runs: record selection by business date in the biller's zone, exactly-once per
format, late arrivals, Cloud Store exclusion, failures recorded, stored files byte for byte."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from billers.models import FileFormat
from exports.activity import import_activity
from exports.models import CarriedPayment, ExportRun, RunStatus
from exports.runs import ExportFailed, ExportRefused, read_file, regenerate, run_export
from ledger.models import Payment
from tests.support.activity import make_csv, payment_row, set_split
from tests.support.races import run_together

D = datetime.date
NOW = datetime.datetime(2025, 3, 10, 14, 0, 0, tzinfo=datetime.timezone.utc)  # 07:00 PDT


def import_payments(biller, *rows):
    result = import_activity("payments", biller, make_csv("payments", [payment_row(**r) for r in rows]))
    assert not result.errors, result.errors
    return result


def payment_lines(run):
    content = read_file(run.files.get())
    return content.decode().split("\r\n")[1:-1]


def test_it_takes_the_payments_of_the_business_day_in_the_billers_zone(watersmart):
    import_payments(watersmart,
                    {"PaymentGUID": "before-midnight", "PaymentDate": "2025-03-08T23:59:59-08:00"},
                    {"PaymentGUID": "after-midnight", "PaymentDate": "2025-03-09T00:00:01-08:00"},
                    {"PaymentGUID": "utc-next-day", "PaymentDate": "2025-03-10T06:59:59Z"},  # 23:59:59 PDT 3/9
                    {"PaymentGUID": "next-day", "PaymentDate": "2025-03-10T07:00:00Z"})  # 00:00 PDT 3/10
    first = run_export(watersmart, "watersmart.payments", D(2025, 3, 8), now=NOW)
    assert [line.split(",")[4] for line in payment_lines(first)] == ["before-midnight"]
    second = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    lines = payment_lines(second)
    assert [line.split(",")[4] for line in lines] == ["after-midnight", "utc-next-day"]
    assert [line.split(",")[5] for line in lines] == ["03092025000001", "03092025235959"]
    assert all(line.split(",")[16] == str(second.pk) for line in lines)  # WSReportID


def test_it_carries_a_record_once_per_format_and_late_arrivals_in_the_next_run(watersmart):
    import_payments(watersmart, {"PaymentGUID": "on-time"})
    first = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    again = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    assert (first.record_count, again.record_count) == (1, 0)
    assert payment_lines(again) == []
    import_payments(watersmart, {"PaymentGUID": "late", "PaymentDate": "2025-03-09T22:00:00-08:00"})
    late = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    assert [line.split(",")[4] for line in payment_lines(late)] == ["late"]
    carried = list(CarriedPayment.objects.values_list("record__payment_guid", "run_id"))
    assert sorted(carried) == sorted([("on-time", first.pk), ("late", late.pk)])


def test_it_lets_each_format_carry_the_same_payment(incode):
    import_payments(incode, {"PaymentGUID": "p1"})
    offline = run_export(incode, "incode.payments.approved_offline", D(2025, 3, 9), now=NOW)
    cloud = run_export(incode, "incode.payments.cloudstore", D(2025, 3, 9), now=NOW)
    assert offline.record_count == 1 and cloud.record_count == 0


def test_it_enforces_once_per_format_in_the_database(watersmart):
    import_payments(watersmart, {"PaymentGUID": "p1"})
    run = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    link = CarriedPayment.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CarriedPayment.objects.create(run=run, record=link.record, file_format=link.file_format)


@pytest.mark.parametrize("wrong", ["format", "run"])
def test_a_carried_row_names_its_runs_own_format_in_the_database(watersmart, wrong):
    """(run, file_format) is one key referencing the run's (id, file_format): a row naming
    another format, or a run that does not exist, is refused when the keys are checked."""
    import_payments(watersmart, {"PaymentGUID": "p1"})
    run = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    link = CarriedPayment.objects.get()
    other = FileFormat.objects.exclude(pk=run.file_format_id).first()
    row = CarriedPayment(run_id=run.pk, record=link.record, file_format=other, approved=False)
    if wrong == "run":
        row = CarriedPayment(run_id=run.pk + 1000, record=link.record, file_format=run.file_format, approved=False)
    else:
        with pytest.raises(ValidationError, match="carried_payment_run_and_format"):
            row.validate_constraints()
    table = CarriedPayment._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
        connection.check_constraints(table_names=[table])  # what the commit checks
    CarriedPayment(run=run, record=link.record, file_format=run.file_format, approved=False).save()
    connection.check_constraints(table_names=[table])


def test_it_sends_cloud_store_payments_only_to_the_cloud_store_file(incode):
    import_payments(incode,
                    {"PaymentGUID": "utility", "InvoiceTypeID": "42"},
                    {"PaymentGUID": "cloud", "InvoiceTypeID": "68", "PaymentMessage": "Approved 000600"},
                    {"PaymentGUID": "cloud-declined", "InvoiceTypeID": "69", "Status": "declined",
                     "PaymentMessage": "Declined 05"})
    offline = run_export(incode, "incode.payments.approved_offline", D(2025, 3, 9), now=NOW)
    cloud = run_export(incode, "incode.payments.cloudstore", D(2025, 3, 9), now=NOW)
    files = {f.name: read_file(f) for run in (offline, cloud) for f in run.files.all()}
    assert files == {
        "IC_20250309.txt": b"1001,03/09/2025,10.00,Approved 000518\r\n",
        "IC_20250309-RejectedReversedPayments.txt": b"1001,03/09/2025,10.00,Declined 05\r\n",
        "IC_CloudStore_20250309.txt": b"1001,03/09/2025,10.00,Approved 000600\r\n",
    }
    assert set(offline.payments.values_list("payment_guid", flat=True)) == {"utility", "cloud-declined"}
    # the cloud store payment is never selected by the other format, so never waits there
    assert run_export(incode, "incode.payments.approved_offline", D(2025, 3, 10), now=NOW).record_count == 0


def test_it_splits_watersmart_payments_when_the_option_is_on(watersmart):
    set_split(watersmart, True)
    import_payments(watersmart, {"PaymentGUID": "amex", "CardBrand": "AMEX"}, {"PaymentGUID": "visa"},
                    {"PaymentGUID": "ach", "PaymentTypeID": "2", "CardBrand": ""})
    run = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    rows = {f.name: (f.row_count, f.total_amount) for f in run.files.all()}
    assert rows == {"ICPayments_AMEX_20250310070000.csv": (1, Decimal("10.00")),
                    "ICPayments_CC_20250310070000.csv": (1, Decimal("10.00")),
                    "ICPayments_Bank_20250310070000.csv": (1, Decimal("10.00"))}
    assert run.options == {"split": True}


def test_it_stores_files_that_download_again_byte_for_byte(watersmart):
    import_payments(watersmart, {"PaymentGUID": "p1", "CustomerName": "Smith, Joseph"})
    run = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    stored = run.files.get()
    content = read_file(stored)
    assert stored.name == "ICPayments_20250310070000.csv"
    assert stored.file.name.startswith("exports/") and stored.file.name.endswith(".out")
    import hashlib

    assert hashlib.sha256(content).hexdigest() == stored.sha256 and stored.size == len(content)
    assert [out.content for out in regenerate(run)] == [content]
    assert read_file(stored) == content


def test_it_records_a_failed_run_and_carries_nothing(watersmart, monkeypatch):
    import_payments(watersmart, {"PaymentGUID": "p1"})

    def broken(records, run, options=None):
        raise ValueError("disk full")

    monkeypatch.setattr("exports.writers.watersmart_payments.write", broken)
    with pytest.raises(ExportFailed) as caught:
        run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    failed = caught.value.run
    assert failed.status == RunStatus.FAILED and failed.failure == "disk full"
    assert not failed.files.exists() and not CarriedPayment.objects.exists()
    monkeypatch.undo()
    retry = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    assert retry.record_count == 1


def test_it_refuses_a_format_the_biller_has_not_enabled(watersmart):
    with pytest.raises(ExportRefused, match="incode.payments is not an outbound format enabled"):
        run_export(watersmart, "incode.payments", D(2025, 3, 9))
    with pytest.raises(ExportRefused, match="'nope' is not an outbound format"):
        run_export(watersmart, "nope", D(2025, 3, 9))
    assert not ExportRun.objects.exists()


def test_it_fails_rather_than_carry_twice_when_its_selection_went_stale(watersmart, monkeypatch):
    """What a concurrent run would do between this run's select and its insert, done inline
    (SQLite serializes writers anyway; the unique constraint is the guarantee)."""
    import exports.runs

    import_payments(watersmart, {"PaymentGUID": "p1"})
    real_pending = exports.runs.pending_rows
    stale = real_pending(watersmart, watersmart.file_formats.get(file_format__code="watersmart.payments").file_format,
                         D(2025, 3, 9))
    monkeypatch.setattr(exports.runs, "pending_rows", lambda *args: stale)
    first = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)  # carries p1
    with pytest.raises(ExportFailed, match="UNIQUE|unique|duplicate"):
        run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)  # stale: p1 again
    assert list(CarriedPayment.objects.values_list("run_id", flat=True)) == [first.pk]


@pytest.mark.postgresql
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's in-memory test database has no row locks")
def test_it_never_carries_a_record_twice_when_runs_race(committed_db, demo):
    watersmart = demo["demo-watersmart"]
    import_payments(watersmart, *[{"PaymentGUID": f"p{i}"} for i in range(20)])

    def run():
        try:
            return run_export(watersmart, "watersmart.payments", D(2025, 3, 9)).record_count
        except ExportFailed as exc:
            return str(exc)

    outcomes = run_together(run, run, run)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    carried = list(CarriedPayment.objects.values_list("record_id", flat=True))
    assert len(carried) == len(set(carried)) == Payment.objects.count() == 20
    assert sorted(o for o in outcomes if isinstance(o, int))[-1] == 20


def test_the_collector_is_held_off_only_while_a_run_builds_its_records():
    import gc

    from exports.runs import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector_paused():
        1 / 0
    assert gc.isenabled()
    gc.disable()  # a caller that turned it off keeps it off
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
