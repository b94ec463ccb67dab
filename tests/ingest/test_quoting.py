"""Strict CSV quoting (issue 10 item 2): a quote left open never merges two rows into an ok
record, and FORMATS.md's accounting (every physical line in exactly one record) holds on
every inbound file the tests can find and on generated hostile CSV."""
import csv
import io
import json

import pytest
from hypothesis import given, settings, strategies as st

from ingest.bench import write_incode_invoices, write_watersmart_invoices
from ingest.formats import FORMATS, FileRefused, ParseConfig
from ingest.formats.readers import read_csv
from tests.support.accounting import check_block_accounting, check_csv_accounting, physical_lines

from tests.shared import REPO_ROOT, shared
from tests.support.parsing import parse_bytes, parse_text

CSV_FORMATS = [code for code, spec in FORMATS.items() if spec.partner == "watersmart" or spec.kind == "adjustment"]
BLOCK_FORMATS = [code for code in FORMATS if code not in CSV_FORMATS]
DATES = "01/15/2025,02/05/2025"


def test_a_name_left_open_in_a_watersmart_invoice_never_merges_two_rows_into_an_ok_record():
    text = (f"3001,Ann Lee,1 Main,,Fresno,CA,93701,{DATES},10.00,,3001,1\n"
            f'3002,"Bob Ray,2 Main,,Fresno,CA,93701,{DATES},20.00,,3002,1\n'
            f'3003,"Cy Doe",3 Main,,Fresno,CA,93701,{DATES},30.00,,3003,1\n'
            f"3004,Di Roe,4 Main,,Fresno,CA,93701,{DATES},40.00,,3004,1\n")
    result, records = parse_text("watersmart.invoice", text)
    assert [(r.line, r.last_line, r.status) for r in records] == [(1, 1, "ok"), (2, 3, "error"), (4, 4, "ok")]
    assert str(records[1].errors[0]).startswith(
        "line 2: the quote closed on line 3 is followed by 'C', not by a comma or the end of the line; "
        "the row is lines 2-3: '3002,\"Bob Ray,2 Main,")
    assert [r.customer["AccountNumber"] for r in records if r.status == "ok"] == ["3001", "3004"]
    assert result.summary == {"records": 3, "ok": 2, "error": 1, "skipped": 0}
    assert result.header["TotalInvoiceAmount"] == "50.00"
    check_csv_accounting(text, result.summary, records)


def test_a_name_left_open_in_an_incode_adjustment_never_loads_the_next_row_under_another_account():
    text = ("Formatted Account Number,Customer Name,New Balance\n10-1001,Ann,11.00\n"
            '10-1002,"Bob,12.00\n10-1003,"Cy",13.00\n10-1004,Di,14.00\n')
    result, records = parse_text("incode.adjustment", text)
    assert [(r.line, r.last_line, r.status) for r in records] == [(2, 2, "ok"), (3, 4, "error"), (5, 5, "ok")]
    assert "the row is lines 3-4: '10-1002,\"Bob,12.00\\n10-1003,\"Cy\",13.00'" in str(records[1].errors[0])
    assert [(r.adjustment["AccountNumber"], r.adjustment["AdjustmentAmount"]) for r in records
            if r.status == "ok"] == [("101001", "11.00"), ("101004", "14.00")]
    check_csv_accounting(text, result.summary, records)


def test_a_quote_never_closed_is_one_error_record_from_its_line_to_the_end():
    text = f'3001,"Ann,1 Main,,Fresno,CA,93701,{DATES},10.00,,3001,1\n\n3002,Bob,x\n'
    result, records = parse_text("watersmart.invoice", text)
    assert [(r.line, r.last_line, r.status) for r in records] == [(1, 3, "error")]
    assert str(records[0].errors[0]).startswith("line 1: the quote opened on line 1 is never closed; "
                                                "the row is lines 1-3: ")


def test_a_well_quoted_line_break_in_a_name_is_still_one_ok_record():
    text = f'3001,"Ann\nLee",1 Main,,Fresno,CA,93701,{DATES},10.00,,3001,1\n'
    result, [record] = parse_text("watersmart.invoice", text)
    assert (record.status, record.last_line, record.customer["CustomerName"]) == ("ok", 2, "Ann Lee")


def test_a_broken_first_row_is_a_record_not_a_skipped_header():
    for first in ('AccountNumber,"Name', '3000,"Ann'):  # a header or a data row left open
        text = f'{first}\n3001,Ann,1 Main,,Fresno,CA,93701,{DATES},10.00,,3001,1\n'
        result, records = parse_text("watersmart.invoice", text)
        assert [(r.line, r.last_line, r.status) for r in records] == [(1, 2, "error")]
        check_csv_accounting(text, result.summary, records)


def test_an_adjustment_header_that_runs_over_lines_refuses_the_file():
    text = 'Formatted Account Number,"New Balance\n10-1001,Ann",11.00\n'
    with pytest.raises(FileRefused, match="^line 1: the header row is not valid CSV: a quoted name runs over lines 1-2$"):
        parse_text("incode.adjustment", text)
    with pytest.raises(FileRefused, match="^line 1: the header row is not valid CSV: the quote closed on line 1"):
        parse_text("incode.adjustment", 'Formatted Account Number,"New" Balance\n1,2\n')


# --- the accounting on every inbound file ------------------------------------------------

def inbound_files():
    """Every text file the tests can reach: the samples, the corpora, the files under tests/."""
    roots = [shared("samples"), shared("corpora"), REPO_ROOT / "tests"]
    files = [path for root in roots for path in sorted(root.rglob("*"))
             if path.is_file() and path.suffix not in (".py", ".pyc") and "expected" not in path.parts]
    assert len(files) > 80
    return files


def check_accounting(code: str, data: bytes) -> bool:
    """Parses `data` as `code` and checks the accounting; False when the file is refused."""
    try:
        result, records = parse_bytes(code, data, ParseConfig(biller_guid="g"))
    except FileRefused:
        return False
    text = data.decode("utf-8-sig") if result.encoding == "utf-8" else data.decode("cp1252", "replace")
    check = check_csv_accounting if code in CSV_FORMATS else check_block_accounting
    check(text, result.summary, records)
    return True


ADJUSTMENT_HEADER = b"Formatted Account Number,New Balance\n"


@pytest.mark.parametrize("code", list(FORMATS))
def test_every_line_of_every_inbound_test_file_is_in_exactly_one_record(code):
    header = ADJUSTMENT_HEADER if code.startswith("incode.adjustment") else b""
    parsed = [path.name for path in inbound_files()
              if check_accounting(code, path.read_bytes()) + (header > b"" and check_accounting(code, header + path.read_bytes()))]
    assert len(parsed) >= (20 if code in CSV_FORMATS else 1), parsed


FIRST_LINE = {"incode.adjustment": "Formatted Account Number,Customer Name,New Balance\r\n",
              "incode.adjustment.include_dashes": "Formatted Account Number,Customer Name,New Balance\r\n",
              "watersmart.adjustment": "1,Ann,1.00,,\r\n",
              "incode.invoice.skip_landlord": '<?xml version="1.0"?>\n',
              "incode.invoice.include_dashes": '<?xml version="1.0"?>\n'}


@pytest.mark.parametrize("code", list(FORMATS))
def test_the_accounting_holds_on_the_csv_spectrum_and_the_naughty_strings(code):
    for path in sorted(shared("corpora", "csv-spectrum", "csvs").glob("*.csv")):
        check_accounting(code, path.read_bytes())
    names = [s for s in json.loads(shared("corpora", "big-list-of-naughty-strings", "blns.json").read_text("utf-8"))
             if "\x00" not in s]
    out = io.StringIO()
    out.write(FIRST_LINE.get(code, ""))  # a first line that looks like the format (the upload guard)
    writer = csv.writer(out)
    for number, name in enumerate(names, start=1):
        writer.writerow([number, name, "", "", "", "", "", "01/15/2025", "02/05/2025", "1.00", "", number, 1])
        out.write(f"{number},{name},<account>{name}</account>\n")  # the raw string, unquoted
    assert check_accounting(code, out.getvalue().encode("utf-8"))


@pytest.mark.parametrize("code, write", [("watersmart.invoice", write_watersmart_invoices),
                                         ("incode.invoice.skip_landlord", write_incode_invoices),
                                         ("incode.invoice.include_dashes", write_incode_invoices)])
def test_the_accounting_holds_on_generated_files(tmp_path, code, write):
    path = tmp_path / "generated"
    write(path, 300)
    assert check_accounting(code, path.read_bytes())


# --- the accounting on hostile CSV nobody wrote by hand -----------------------------------

PIECES = st.sampled_from(['"', '""', ",", "\n", "\r\n", "\r", "a", "1", " ", '",', ',"', "\t", "é", "<account>"])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(PIECES, max_size=60))
def test_every_non_blank_line_of_any_text_is_in_exactly_one_csv_row(pieces):
    text = "".join(pieces)
    rows = list(read_csv(text))
    owner = {}
    for index, row in enumerate(rows):
        for line in range(row.line, row.last_line + 1):
            assert line not in owner
            owner[line] = index
    lines = physical_lines(text)
    assert [n for n, line in enumerate(lines, 1) if line.strip()] == [n for n in owner if lines[n - 1].strip()]
    assert max(owner, default=0) <= len(lines)


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(PIECES, max_size=60), code=st.sampled_from(CSV_FORMATS))
def test_the_accounting_holds_on_any_text_given_to_a_csv_format(pieces, code):
    check_accounting(code, ADJUSTMENT_HEADER + "".join(pieces).encode("utf-8"))
