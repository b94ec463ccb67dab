"""`manage.py export_files --biller SLUG [--format CODE] --date YYYY-MM-DD --out DIR`."""
import pytest
from django.core.management import call_command

from exports.activity import import_activity
from exports.models import ExportRun, Trigger
from exports.runs import read_file
from tests.support.activity import make_csv, payment_row


def test_it_runs_every_enabled_outbound_format_and_writes_the_files(incode, tmp_path, capsys):
    import_activity("payments", incode, make_csv("payments", [
        payment_row(PaymentGUID="a"), payment_row(PaymentGUID="b", Status="reversed", PaymentMessage="Reversed"),
        payment_row(PaymentGUID="c", InvoiceTypeID="69")]))
    call_command("export_files", "--biller", "demo-incode", "--date", "2025-03-09", "--out", str(tmp_path))
    names = capsys.readouterr().out.splitlines()
    assert sorted(names) == ["IC_20250309-RejectedReversedPayments.txt", "IC_20250309.txt",
                             "IC_CloudStore_20250309.txt"]
    assert (tmp_path / "IC_20250309.txt").read_bytes() == b"1001,03/09/2025,10.00,Approved 000518\r\n"
    assert (tmp_path / "IC_20250309-RejectedReversedPayments.txt").read_bytes() == b"1001,03/09/2025,10.00,Reversed\r\n"
    assert (tmp_path / "IC_CloudStore_20250309.txt").read_bytes() == b"1001,03/09/2025,10.00,Approved 000518\r\n"
    runs = list(ExportRun.objects.all())
    assert sum(run.files.count() for run in runs) == 3
    for run in runs:
        assert run.trigger == Trigger.COMMAND
        for export_file in run.files.all():
            assert read_file(export_file) == (tmp_path / export_file.name).read_bytes()


def test_it_runs_one_format_when_asked(watersmart, tmp_path, capsys):
    call_command("export_files", "--biller", "demo-watersmart", "--format", "watersmart.rejects",
                 "--date", "2025-03-09", "--out", str(tmp_path / "new"))
    [name] = capsys.readouterr().out.splitlines()
    assert name.startswith("ICRejects_") and (tmp_path / "new" / name).read_bytes().startswith(b"Transaction Date,")


@pytest.mark.parametrize("args, message", [
    (["--biller", "nobody", "--date", "2025-03-09"], "unknown biller 'nobody'"),
    (["--biller", "demo-watersmart", "--date", "03/09/2025"], "--date '03/09/2025' is not a date (YYYY-MM-DD)"),
    (["--biller", "demo-watersmart", "--date", "2025-02-30"], "--date '2025-02-30' is not a date"),
    (["--biller", "demo-watersmart", "--format", "csv", "--date", "2025-03-09"], "unknown outbound format 'csv'"),
    (["--biller", "demo-watersmart", "--format", "incode.payments", "--date", "2025-03-09"],
     "incode.payments is not enabled for biller demo-watersmart"),
])
def test_it_exits_2_with_one_line_on_bad_arguments(watersmart, tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        call_command("export_files", *args, "--out", str(tmp_path))
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not ExportRun.objects.exists()
