"""Downloads of a load: the error report CSV (exact bytes, formula injection neutralised),
the IC standard file, the original file; each checks the view permission."""
import csv
import io

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from billers.models import Biller
from icportal.human_csv import safe_cell
from ingest.config import build_parse_config
from ingest.formats import parse, write_ic
from tests.support.loadkit import demo, login, sample, shared, upload  # noqa: F401

WS = ("demo-watersmart", "watersmart.invoice")


def download(client, load, what):
    return client.get(reverse(f"admin:ingest_load_download_{what}", args=[load.pk]))


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def ws_load(demo):
    _, load = upload(login("support"), *WS, sample("watersmart_invoice.csv"))
    load.refresh_from_db()
    return load


EXPECTED_REPORT = (
    b"\xef\xbb\xbfline,status,field,message,AccountNumber,CustomerName,Address1,Address2,City,State,Zip,"
    b"BlockPaymentsCC,BlockPaymentsEFT,DisplayAccountNumber,RecordType,InvoiceFormatGuid,InvoiceNumber,InvoiceDate,"
    b"InvoiceDueDate,TotalAmountDue,InvoiceTypeID,PastDue\r\n"
    b"5,error,InvoiceDate,\"'01/45/2025' is not a date (accepted: MM/DD/YYYY, M/D/YYYY, MM/DD/YY, YYYY-MM-DD, "
    b"YYYYMMDD)\",100237,Bad Date Co,1 Error Way,,Fresno,CA,93701,false,false,,N,,5001004,,2025-02-05,10.00,1,\r\n"
    b"6,error,InvoiceTypeID,'3' must be 1,100238,Wrong Type LLC,2 Error Way,,Fresno,CA,93701,false,false,,N,,5001005,"
    b"2025-01-15,2025-02-05,10.00,3,\r\n"
    b"7,error,InvoiceNumber,'5001001' is a duplicate of line 2,100239,Duplicate Inc,3 Error Way,,Fresno,CA,93701,false,false,,N,,"
    b"5001001,2025-01-15,2025-02-05,12.00,1,\r\n")


def test_it_writes_the_error_report_of_the_watersmart_sample(ws_load):
    response = download(login("auditor"), ws_load, "errors")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="load-{ws_load.pk}-errors.csv"'
    assert body(response) == EXPECTED_REPORT


def test_it_lists_skipped_records_with_their_reason_in_the_error_report(demo):
    _, load = upload(login("support"), "demo-incode", "incode.invoice.skip_landlord", sample("incode_invoice.xml"))
    rows = list(csv.reader(io.StringIO(body(download(login("support"), load, "errors")).decode("utf-8-sig"))))
    assert [row[:4] for row in rows[1:]] == [
        ["19", "skipped", "", "landlord invoice"],
        ["34", "error", "InvoiceDate", "'06/31/2021' is not a date (accepted: MM/DD/YYYY, M/D/YYYY, MM/DD/YY, "
                                       "YYYY-MM-DD, YYYYMMDD)"]]


def payloads():
    lines = []
    for name in ("csv-injection-payloadbox/csv-payload.txt", "csv-injection-payloadsallthethings/payloads.txt"):
        lines += [line for line in shared("corpora", name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


def test_it_neutralises_formulas_in_the_error_report(demo, tmp_path):
    path = tmp_path / "evil.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for n, payload in enumerate(payloads(), start=1):
            # InvoiceTypeID 9 makes every row an error, so each payload lands in the report
            writer.writerow([f"{n}", payload, payload, "", "Fresno", "CA", "93701", "01/15/2025", "02/05/2025",
                             "1.00", "", f"{n}", "9"])
    _, load = upload(login("support"), *WS, path)
    load.refresh_from_db()
    assert load.error_count == len(payloads())
    text = body(download(login("support"), load, "errors")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, rows = rows[0], rows[1:]
    names = {r.line: r.data["customer"]["CustomerName"] for r in load.records.all()}
    formulas = 0
    for row in rows:
        name = row[header.index("CustomerName")]
        original = names[int(row[0])]
        if original[0] in "=+-@":
            formulas += 1
            assert name == "'" + original          # neutralised, and the value round-trips
        else:
            assert name == original
        assert not any(cell[:1] in ("=", "+", "@", "\t", "\r") for cell in row)
    assert formulas >= 14


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"), ("-15.00", "-15.00"), ("+3", "+3"), ("=", "'="), ("-", "'-"), ("Smith", "Smith"), (None, ""), (True, "true"),
])
def test_it_makes_a_cell_safe(value, cell):
    assert safe_cell(value) == cell


def test_it_writes_the_ic_standard_file_of_the_ok_records(ws_load):
    response = download(login("auditor"), ws_load, "ic")
    assert response.status_code == 200
    biller = Biller.objects.get(slug="demo-watersmart")
    path = sample("watersmart_invoice.csv")
    result = parse("watersmart.invoice", lambda: open(path, "rb"), build_parse_config(biller, "watersmart.invoice"))
    records = list(result.records())
    text = body(response).decode()
    assert text == "".join(write_ic(result.header, records))
    assert text.count("\r\nIH,") == 4


def test_it_returns_the_original_file_byte_for_byte(ws_load):
    response = download(login("auditor"), ws_load, "original")
    assert response.status_code == 200
    assert body(response) == sample("watersmart_invoice.csv").read_bytes()
    assert 'filename="watersmart_invoice.csv"' in response["Content-Disposition"]
    assert ws_load.file.name.startswith("loads/") and "watersmart" not in ws_load.file.name


@pytest.mark.parametrize("what", ["errors", "ic", "original"])
def test_it_checks_the_view_permission_on_every_download(ws_load, what):
    assert download(Client(), ws_load, what).status_code == 302
    User.objects.create_user("outsider", is_staff=True)
    assert download(login("outsider"), ws_load, what).status_code == 403
    for username in ("im", "support", "auditor"):
        assert download(login(username), ws_load, what).status_code == 200


def test_it_has_no_error_report_before_parsing(demo, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x00\x00")
    _, load = upload(login("support"), *WS, path)
    assert download(login("support"), load, "errors").status_code == 404
    assert download(login("support"), load, "original").status_code == 200


def test_the_error_report_neutralises_the_look_alikes_as_the_activity_downloads_do(demo, tmp_path):
    """Issue 10 item 7: one rule for every human CSV (U+2013 and U+FF1D were let through)."""
    names = ["\u2013cmd|' /C calc'!A0", "\uff1d1+1", "\u2212SUM(A1)", "\uff20SUM(A1)", "\uff0b1+1", "Plain Name"]
    path = tmp_path / "look-alikes.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for n, name in enumerate(names, start=1):
            writer.writerow([f"{n}", name, "1 Main St", "", "Fresno", "CA", "93701", "01/15/2025", "02/05/2025",
                             "1.00", "", f"{n}", "9"])
    _, load = upload(login("support"), *WS, path)
    rows = list(csv.reader(io.StringIO(body(download(login("support"), load, "errors")).decode("utf-8-sig"))))
    column = rows[0].index("CustomerName")
    assert [row[column] for row in rows[1:]] == ["'" + name for name in names[:-1]] + ["Plain Name"]
