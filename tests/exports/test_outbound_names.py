"""Outbound files are never overwritten (issue 10, item 3): each run's file-name timestamp is
taken under the run's lock and is unique per biller and format; a run that finds nothing
writes its own header-only file; `export_files --out` never replaces a file in DIR."""
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection

from exports.models import CarriedPayment, ExportFile, ExportRun
from exports.runs import read_file, run_export
from ledger.models import Payment
from tests.exports.test_runs import import_payments
from tests.support.activity import make_csv, payment_row
from tests.support.races import run_together

D = datetime.date
NOW = datetime.datetime(2025, 3, 10, 14, 0, 0, 250000, tzinfo=datetime.timezone.utc)  # 07:00:00.25 PDT
HEADER = b"InvoiceNumber,InvoiceGUID,AccountNumber,CustomerName,PaymentGUID,PaymentDate,PaymentTypeID,"


def export_files(*args):
    """(exit code, names printed) of `manage.py export_files ARGS`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("export_files", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().split()


def test_a_second_run_in_the_same_second_gets_the_next_second(watersmart):
    import_payments(watersmart, {"PaymentGUID": "p1"})
    first = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    second = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW + datetime.timedelta(seconds=0.5))
    third = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    names = [run.files.get().name for run in (first, second, third)]
    assert names == ["ICPayments_20250310070000.csv", "ICPayments_20250310070001.csv",
                     "ICPayments_20250310070002.csv"]
    assert [run.files.get().row_count for run in (first, second, third)] == [1, 0, 0]
    assert read_file(second.files.get()).startswith(HEADER) and read_file(second.files.get()).count(b"\r\n") == 1
    # another format, or another biller, keeps its own clock
    rejects = run_export(watersmart, "watersmart.rejects", D(2025, 3, 9), now=NOW)
    assert rejects.files.get().name == "ICRejects_20250310070000.csv"


def test_a_later_run_keeps_its_own_time(watersmart):
    first = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    later = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW + datetime.timedelta(minutes=5))
    assert first.created_at == NOW and later.created_at == NOW + datetime.timedelta(minutes=5)


def test_export_files_never_replaces_a_file_in_the_out_directory(watersmart, tmp_path, monkeypatch):
    import exports.runs

    monkeypatch.setattr(exports.runs.timezone, "now", lambda: NOW)
    import_payments(watersmart, {"PaymentGUID": "p1"})
    args = ["--biller", "demo-watersmart", "--format", "watersmart.payments", "--date", "2025-03-09",
            "--out", str(tmp_path)]
    assert export_files(*args) == (0, ["ICPayments_20250310070000.csv"])
    sent = (tmp_path / "ICPayments_20250310070000.csv").read_bytes()
    assert b",p1," in sent
    assert export_files(*args) == (0, ["ICPayments_20250310070001.csv"])  # nothing new: header only
    assert (tmp_path / "ICPayments_20250310070000.csv").read_bytes() == sent
    assert (tmp_path / "ICPayments_20250310070001.csv").read_bytes().count(b"\r\n") == 1


def test_export_files_writes_a_date_named_file_again_under_the_next_name(demo, tmp_path):
    incode = demo["demo-incode-basic"]
    args = ["--biller", "demo-incode-basic", "--format", "incode.payments", "--date", "2025-03-09",
            "--out", str(tmp_path)]
    (tmp_path / "IC_20250309.txt").write_bytes(b"someone else's file\r\n")
    import_payments(incode, {"PaymentGUID": "p1"})
    assert export_files(*args) == (0, ["IC_20250309_2.txt"])
    import_payments(incode, {"PaymentGUID": "late", "PaymentAmount": "7.00"})
    assert export_files(*args) == (0, ["IC_20250309_3.txt"])
    assert (tmp_path / "IC_20250309.txt").read_bytes() == b"someone else's file\r\n"
    assert (tmp_path / "IC_20250309_2.txt").read_bytes() == b"1001,03/09/2025,10.00,Approved 000518\r\n"
    assert (tmp_path / "IC_20250309_3.txt").read_bytes() == b"1001,03/09/2025,7.00,Approved 000518\r\n"
    # the stored runs keep the partner's name; each downloads its own bytes
    assert list(ExportFile.objects.order_by("pk").values_list("name", flat=True)) == ["IC_20250309.txt"] * 2


def test_the_media_store_keeps_every_runs_file(watersmart):
    import_payments(watersmart, {"PaymentGUID": "p1"})
    first = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    second = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    stored = [run.files.get() for run in (first, second)]
    assert stored[0].file.name != stored[1].file.name
    assert b",p1," in read_file(stored[0]) and b",p1," not in read_file(stored[1])


@pytest.mark.postgresql
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's test database has no row locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_the_same_instant_write_two_files_and_overwrite_nothing(demo, tmp_path, monkeypatch):
    import exports.runs
    from exports.activity import import_activity

    watersmart = demo["demo-watersmart"]
    result = import_activity("payments", watersmart, make_csv("payments", [payment_row(PaymentGUID=f"p{i}")
                                                                           for i in range(30)]))
    assert not result.errors
    monkeypatch.setattr(exports.runs.timezone, "now", lambda: NOW)   # the same second for both
    args = ["--biller", "demo-watersmart", "--format", "watersmart.payments", "--date", "2025-03-09",
            "--out", str(tmp_path)]

    outcomes = run_together(lambda: export_files(*args), lambda: export_files(*args))

    assert [code for code, _ in outcomes] == [0, 0], outcomes
    names = sorted(name for _, printed in outcomes for name in printed)
    assert names == ["ICPayments_20250310070000.csv", "ICPayments_20250310070001.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    carried_in = [name for name in names if b",p0," in (tmp_path / name).read_bytes()]
    assert len(carried_in) == 1
    rows = {name: (tmp_path / name).read_bytes().count(b"\r\n") - 1 for name in names}
    assert sorted(rows.values()) == [0, 30]
    carried = list(CarriedPayment.objects.values_list("record_id", flat=True))
    assert len(carried) == len(set(carried)) == Payment.objects.count() == 30
    for export_file in ExportFile.objects.filter(run__in=ExportRun.objects.all()):
        assert read_file(export_file) == (tmp_path / export_file.name).read_bytes()


def test_a_file_total_past_the_old_column_is_written_and_stored(watersmart):
    """101 payments of the largest amount a payment holds: the file's total needs 15 digits
    before the point; the run succeeds (it failed, and so would every retry, on PostgreSQL)."""
    from decimal import Decimal

    from ledger.models import Account

    account = Account.objects.get(biller=watersmart, account_number="1001")
    most = Decimal("999999999999.99")
    Payment.objects.bulk_create(
        Payment(biller=watersmart, account=account, payment_guid=f"big-{n}", amount=most, status="approved",
                paid_at=datetime.datetime(2025, 3, 9, 20, 0, tzinfo=datetime.timezone.utc), payment_type_id=1)
        for n in range(101))
    run = run_export(watersmart, "watersmart.payments", D(2025, 3, 9), now=NOW)
    stored = run.files.get()
    assert run.record_count == 101 and stored.row_count == 101
    assert abs(stored.total_amount - most * 101) < 1   # exact on PostgreSQL; SQLite keeps 15 digits
    assert read_file(stored).count(b",999999999999.99,") == 101


def test_a_run_in_the_repeated_hour_never_takes_an_earlier_runs_name(watersmart):
    """Daylight saving time ends in Los Angeles on 2025-11-02: 01:30 PDT, then 01:30 PST."""
    def run_at(hour, minute):
        now = datetime.datetime(2025, 11, 2, hour, minute, tzinfo=datetime.timezone.utc)
        return run_export(watersmart, "watersmart.payments", D(2025, 11, 1), now=now)

    pdt, pst, later = run_at(8, 30), run_at(9, 30), run_at(10, 0)
    assert [run.files.get().name for run in (pdt, pst, later)] == [
        "ICPayments_20251102013000.csv", "ICPayments_20251102013001.csv", "ICPayments_20251102020000.csv"]
