"""manage.py parse_file: JSON, --ic output, and the exit-2 refusals with one stderr line."""
import csv
import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.shared import REPO_ROOT, shared

WS = "100234,Smith Joseph,12 Oak St,,Fresno,CA,93701,01/15/2025,02/05/2025,84.16,0.00,5001001,1,0,1,100-234\n"


def run(*args):
    out = io.StringIO()
    call_command("parse_file", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_prints_json_by_default(tmp_path):
    path = tmp_path / "ws.csv"
    path.write_text(WS + WS.replace("5001001", "5001002").replace("84.16", "1.00"))
    output = json.loads(run(path, "--format", "watersmart.invoice"))
    assert output["summary"] == {"records": 2, "ok": 2, "error": 0, "skipped": 0}
    assert output["header"]["InvoiceCount"] == 2 and output["header"]["TotalInvoiceAmount"] == "85.16"
    assert output["biller"] is None and output["encoding"] == "utf-8"


def test_it_writes_the_ic_standard_file_with_ok_records_only():
    sample = shared("samples", "incode_invoice.xml")
    lines = run(sample, "--format", "incode.invoice.include_dashes", "--ic").splitlines()
    rows = list(csv.reader(lines))
    assert [row[0] for row in rows] == ["FH", "IH", "CR", "ID", "IH", "CR", "ID", "IH", "CR", "ID"]
    assert rows[0][2:] == [rows[0][2], "3", "479.58"]
    assert rows[1][:7] == ["IH", "N", "", "20210630UB10-1002-62501", "2021-06-30", "2021-07-15", "262.11"]
    assert rows[1][-2:] == ["42", "0.00"]  # InvoiceTypeID (252) before PastDue (407)
    assert rows[2] == ["CR", "10-1002-62501", "SMITH JOHN A", "1234 MAIN ST", "", "KANSAS CITY", "MO", "64101"]
    assert rows[3] == ["ID", "Utility Invoice"] + [""] * 9


def test_it_writes_adjustments_to_the_ic_file():
    lines = run(shared("samples", "incode_adjustment.csv"), "--format", "incode.adjustment", "--ic").splitlines()
    assert lines[1:] == ["AR,10100262501,262.11,2", "AR,10100262502,0.00,2", "AR,10100262503,-15.00,2"]
    assert lines[0].startswith("AH,") and lines[0].endswith(",3,247.11")


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"), (b"\x00\x01\x02binary", "not a text file"),
])
def test_it_refuses_unreadable_content_with_exit_2(tmp_path, content, message):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as caught:
        run(path, "--format", "watersmart.invoice")
    assert caught.value.returncode == 2 and str(caught.value) == f"{path}: refused: {message}"


def test_it_refuses_a_missing_header_column_and_a_file_without_blocks(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Customer Name,New Balance\nA,1\n")
    with pytest.raises(CommandError, match="the header row has no 'Formatted Account Number' column"):
        run(path, "--format", "incode.adjustment")
    with pytest.raises(CommandError, match=r"no <account> blocks found") as caught:
        run(path, "--format", "incode.invoice.skip_landlord")
    assert caught.value.returncode == 2


def test_it_refuses_an_unknown_format_and_an_unreadable_path(tmp_path):
    with pytest.raises(CommandError, match=r"^unknown format 'nope' \(known: watersmart.invoice") as caught:
        run(tmp_path, "--format", "nope")
    assert caught.value.returncode == 2
    with pytest.raises(CommandError, match=r"cannot read: No such file or directory") as caught:
        run(tmp_path / "missing.csv", "--format", "watersmart.invoice")
    assert caught.value.returncode == 2


@pytest.mark.django_db
def test_it_refuses_an_unknown_biller(tmp_path, demo):
    path = tmp_path / "ws.csv"
    path.write_text(WS)
    with pytest.raises(CommandError, match=r"^unknown biller 'nobody'$") as caught:
        run(path, "--format", "watersmart.invoice", "--biller", "nobody")
    assert caught.value.returncode == 2


@pytest.mark.django_db
def test_it_uses_the_biller_settings(tmp_path, demo):
    path = tmp_path / "adj.csv"
    path.write_text("Formatted Account Number,New Balance\nBT-12345-01,1\n")
    basic = json.loads(run(path, "--format", "incode.adjustment.include_dashes", "--biller", "demo-incode-basic"))
    full = json.loads(run(path, "--format", "incode.adjustment.include_dashes", "--biller", "demo-incode"))
    assert (basic["summary"]["ok"], full["summary"]["ok"]) == (0, 1)


def test_it_prints_one_stderr_line_and_no_traceback_from_the_command_line(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    done = subprocess.run([sys.executable, "manage.py", "parse_file", str(path), "--format", "incode.adjustment"],
                          cwd=REPO_ROOT, capture_output=True, text=True,
                          env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [f"CommandError: {path}: refused: empty file"]
