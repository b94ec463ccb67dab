"""The batch path (whole rows read a chunk of lines at a time, converted column by column,
records built by a compiled function) gives exactly what the per-row path gives: the same
records (values, statuses, errors, lines), summary, header, warnings and refusals, on the
samples, the shared corpora and generated files, cut into chunks of any size."""
import csv
import datetime
import io
import json
from contextlib import ExitStack
from decimal import Decimal
from functools import partial
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.formats import FileRefused, ParseConfig, converters, incode, parse, readers, spec, watersmart
from ingest.formats.bif import BifValue
from ingest.formats.converters import ConversionError, Converter
from ingest.formats.readers import read_csv, read_csv_batches, read_lines
from ingest.formats.spec import Run

from tests.shared import shared, shared_files

CSV_CODES = ("watersmart.invoice", "watersmart.adjustment", "incode.adjustment", "incode.adjustment.include_dashes")
CONFIGS = (
    ParseConfig(file_creation_date=datetime.date(2025, 1, 20)),
    ParseConfig(biller_guid="B-1", invoice_format_guid="F-1", invoice_type_id=2, skip_numeric_check=True),
    ParseConfig(bif=(BifValue("LateFeeDate", base="InvoiceDueDate", days=1), BifValue("MinimumAmountDue", Decimal("5.00")))),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(code: str, data: bytes, config: ParseConfig, careful: bool, chunk_bytes: int = readers.CHUNK_BYTES):
    """Everything a parse gives, comparable; `careful` reads every row with the per-row path."""
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(readers, "CHUNK_BYTES", chunk_bytes))
        if careful:
            for module in (watersmart, incode):
                stack.enter_context(mock.patch.object(module, "read_csv_batches",
                                                      partial(read_csv_batches, fast=False)))
        try:
            result = parse(code, lambda: io.BytesIO(data), config)
            records = [(record.to_json(), record.last_line) for record in result.records()]
        except FileRefused as exc:
            return f"refused: {exc}"
        return records, result.summary, result.header, result.warnings, result.encoding


def assert_same(code: str, data: bytes, config: ParseConfig = CONFIGS[0], chunk_bytes: int = readers.CHUNK_BYTES):
    fast = outcome(code, data, config, careful=False, chunk_bytes=chunk_bytes)
    assert fast == outcome(code, data, config, careful=True, chunk_bytes=chunk_bytes)
    return fast


# --- the converters' column forms ----------------------------------------------------

COLUMN_CONVERTERS = [value for value in vars(converters).values() if isinstance(value, Converter)]
PIECES = ["", " ", "  ", "0", "1", "12", "0001", "-", ".", ",", "5.00", "-0.00", "0000137.47", "12.5", "(1.00)",
          "$1,234.50", "01/15/2025", "2/30/2025", "20250115", "Y", "n", "true", "a", "é", "\t", "\x01", "\x7f",
          "\u00a0", "\u2028", "€", "93701", "-1234", "#", "Jan", "1e5"]
RAW = st.lists(st.sampled_from(PIECES), max_size=3).map("".join)


@SETTINGS
@given(raws=st.lists(RAW, min_size=1, max_size=12), index=st.integers(0, len(COLUMN_CONVERTERS) - 1))
def test_a_column_converts_as_each_of_its_values_does(raws, index):
    converter = COLUMN_CONVERTERS[index]
    expected = []
    for raw in raws:
        try:
            value = converter.clean(raw)
        except ConversionError:
            assert converter.convert_column(raws) is None
            return
        expected.append((value, None if value is None else converter.render(value)))
    values, rendered = converter.convert_column(raws)
    assert list(zip(values, rendered)) == expected
    assert [type(v) for v in values] == [type(v) for v, _ in expected]


def each_value(converter: Converter, raws: list[str]) -> list[tuple] | None:
    """(value, rendered) of each raw value by `clean` and `render`; None when one does not convert."""
    out = []
    for raw in raws:
        try:
            value = converter.clean(raw)
        except ConversionError:
            return None
        out.append((value, None if value is None else converter.render(value)))
    return out


@SETTINGS
@given(raw=RAW, count=st.integers(2, 5), index=st.integers(0, len(COLUMN_CONVERTERS) - 1))
def test_a_column_of_one_repeated_value_converts_as_the_value_does(raw, count, index):
    converter = COLUMN_CONVERTERS[index]
    raws = [raw] * count
    expected = each_value(converter, raws)
    converted = converter.convert_column(raws)
    if expected is None:
        assert converted is None
    else:
        assert list(zip(*converted)) == expected
        assert [type(v) for v in converted[0]] == [type(v) for v, _ in expected]


def test_corpus_strings_repeated_down_a_column_convert_as_each_value_does():
    for raw in corpus_strings():
        for converter in COLUMN_CONVERTERS:
            expected = each_value(converter, [raw, raw, raw])
            converted = converter.convert_column([raw, raw, raw])
            assert (None if converted is None else list(zip(*converted))) == expected, (converter.name, raw)


@SETTINGS
@given(values=st.lists(RAW.filter(bool), min_size=1, max_size=8))
def test_a_checks_column_form_never_vouches_for_a_value_it_refuses(values):
    run = Run(watersmart.FORMATS[0], ParseConfig(), [])
    for check in (watersmart.digits_only, incode.numeric):
        if check.batch(values):
            assert all(check(value, run) is None for value in values)


# --- reading ---------------------------------------------------------------------------

CSV_PIECES = st.sampled_from(['"', '""', ",", "\r", "\n", "\r\n", " ", "\t", "é", "\u2028", "\x0b", "a", "12", "a,b"])
CSV_TEXT = st.lists(CSV_PIECES, max_size=60).map("".join)


def cut(text: str, sizes: list[int]) -> list[str]:
    chunks, start = [], 0
    for size in sizes:
        chunks.append(text[start:start + size])
        start += size
    return [chunk for chunk in chunks if chunk] + [text[start:]]


@settings(max_examples=400, deadline=None)
@given(text=CSV_TEXT, sizes=st.lists(st.integers(1, 12), max_size=8))
def test_batches_read_the_rows_the_strict_reader_reads_whatever_the_chunks(text, sizes):
    chunks = cut(text, sizes)
    fast = [(r.line, r.fields, r.error, r.last_line) for r in read_csv(chunks)]
    assert fast == [(r.line, r.fields, r.error, r.last_line) for r in read_csv(chunks, fast=False)]
    assert [line for line in read_lines(chunks)] == [line for line in read_lines([text])]


def test_lines_too_long_are_cut_as_before(monkeypatch):
    monkeypatch.setattr(readers, "MAX_RECORD_CHARS", 10)
    chunks = ["1,2\r\n" + "x" * 8, "y" * 8, "z" * 8 + "\r", "\n3,4\r\n", "5,6"]
    assert list(read_lines(chunks)) == [("1,2", "\r\n", False), ("x" * 8 + "y" * 2, "\r\n", True),
                                        ("3,4", "\r\n", False), ("5,6", "", False)]
    rows = list(read_csv(chunks))
    assert [(r.line, r.error) for r in rows] == [(1, None), (2, "row longer than 10 characters"), (3, None), (4, None)]


# --- whole parses: samples and corpora -------------------------------------------------

@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("code", CSV_CODES)
def test_the_samples_parse_the_same_both_ways(code, config):
    for path in shared_files("samples", pattern="*.csv"):
        for chunk_bytes in (readers.CHUNK_BYTES, 50):
            assert_same(code, path.read_bytes(), config, chunk_bytes)


def test_csv_spectrum_files_parse_the_same_both_ways():
    for path in shared_files("corpora", "csv-spectrum", "csvs", pattern="*.csv"):
        for code in CSV_CODES:
            assert_same(code, path.read_bytes(), chunk_bytes=17)


def corpus_strings() -> list[str]:
    strings = json.loads(shared("corpora", "big-list-of-naughty-strings", "blns.json").read_text("utf-8"))
    for name in ("csv-injection-payloadbox/csv-payload.txt", "csv-injection-payloadsallthethings/payloads.txt",
                 "csv-injection-payloadsallthethings/formula_prefixes.txt"):
        strings += shared("corpora", *name.split("/")).read_text("utf-8").splitlines()
    return [s for s in strings if "\x00" not in s]  # a NUL refuses the whole file (not a text file)


def invoice_row(number: int, value: str | None = None, column: int = 0) -> list[str]:
    row = [str(100000 + number), f"Customer {number}", f"{number} Main St", "", "Fresno", "CA", "93701",
           "01/15/2025", "02/05/2025", f"{number}.25", "0.00", str(5000000 + number), "1", "0", "0", ""]
    if value is not None:
        row[column] = value
    return row


@pytest.mark.parametrize("column", [0, 1, 2, 6, 7, 9, 11, 12, 13, 15])
def test_corpus_strings_in_each_kind_of_column_parse_the_same_both_ways(column):
    out = io.StringIO()
    writer = csv.writer(out)
    for number, value in enumerate(corpus_strings()):
        writer.writerow(invoice_row(number, value, column))
        writer.writerow(invoice_row(number + 100000))  # a valid row beside it
    records, summary, *_ = assert_same("watersmart.invoice", out.getvalue().encode("utf-8"), chunk_bytes=2000)
    assert summary["ok"] and summary["error"]  # both paths were exercised


@pytest.mark.parametrize("column", [1, 6, 7, 9, 10, 12, 13])
def test_corpus_strings_repeated_down_a_column_parse_the_same_both_ways(column):
    """Each string on three rows in a row: batches whose column holds one repeated value."""
    out = io.StringIO()
    writer = csv.writer(out)
    for number, value in enumerate(corpus_strings()):
        writer.writerows(invoice_row(number * 3 + n, value, column) for n in range(3))
    writer.writerows(invoice_row(number) for number in range(-30, 0))  # and valid rows
    records, summary, *_ = assert_same("watersmart.invoice", out.getvalue().encode("utf-8"), chunk_bytes=400)
    assert summary["ok"] and summary["error"]  # both paths were exercised


def test_corpus_strings_in_adjustments_parse_the_same_both_ways():
    strings = corpus_strings()
    for code, header, row in (
            ("watersmart.adjustment", "", lambda n, s: [str(1000 + n), s, f"{n}.00", "1", "0.00"]),
            ("watersmart.adjustment", "", lambda n, s: [s, "x", f"{n}.00", "2", ""]),
            ("incode.adjustment", "Customer Name,Formatted Account Number,Service Address,New Balance\r\n",
             lambda n, s: [s, f"10-{n:05d}", s, f"{n}.10"]),
            ("incode.adjustment.include_dashes", "Customer Name,Formatted Account Number,Service Address,New Balance\n",
             lambda n, s: ["Ann", f"10-{n:05d}", "", s])):
        out = io.StringIO(header)
        writer = csv.writer(out)
        for number, value in enumerate(strings):
            writer.writerow(row(number, value))
        assert_same(code, out.getvalue().encode("utf-8"), chunk_bytes=1500)


# --- whole parses: generated files -----------------------------------------------------

FIELD = st.one_of(st.sampled_from(PIECES), RAW, st.sampled_from(['"', '"a,b"', "a\r\nb", '"x"y']))


@st.composite
def invoice_file(draw) -> bytes:
    rows = []
    for _ in range(draw(st.integers(1, 30))):
        number = draw(st.integers(0, 40))  # repeated numbers: duplicates
        row = invoice_row(number)
        for _ in range(draw(st.integers(0, 2))):
            row[draw(st.integers(0, 15))] = draw(FIELD)
        row = row[:draw(st.sampled_from([16, 16, 16, 13, 12, 17]))]
        rows.append(row)
    return render(draw, rows, "AccountNumber,CustomerName,Address1" if draw(st.booleans()) else "")


@st.composite
def adjustment_file(draw) -> tuple[str, bytes]:
    code = draw(st.sampled_from(CSV_CODES[1:]))
    rows = []
    for _ in range(draw(st.integers(1, 30))):
        number = draw(st.integers(0, 40))
        if code == "watersmart.adjustment":
            row = [str(100 + number), f"Name {number}", f"{number}.50", draw(st.sampled_from(["1", "2"])), "0.00"]
        else:
            row = [f"Name {number}", f"10-{number:04d}", "1 Main", f"-{number}.05"]
        for _ in range(draw(st.integers(0, 2))):
            row[draw(st.integers(0, len(row) - 1))] = draw(FIELD)
        rows.append(row)
    header = "" if code == "watersmart.adjustment" else "Customer Name,Formatted Account Number,Service Address,New Balance"
    return code, render(draw, rows, header)


def render(draw, rows: list[list[str]], header: str) -> bytes:
    """The rows as CSV, quoted where needed or (sometimes) joined as they are (broken quotes)."""
    out = io.StringIO()
    if header:
        out.write(header + "\r\n")
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    for row in rows:
        if draw(st.integers(0, 9)) == 0:
            out.write(",".join(row) + draw(st.sampled_from(["\r\n", "\n", "\r\n\r\n", "\r"])))
        else:
            writer.writerow(row)
    return out.getvalue().encode("utf-8")


@SETTINGS
@given(data=invoice_file(), chunk_bytes=st.sampled_from([7, 64, 300, 65536]), config=st.sampled_from(CONFIGS))
def test_generated_invoice_files_parse_the_same_both_ways(data, chunk_bytes, config):
    assert_same("watersmart.invoice", data, config, chunk_bytes)


@SETTINGS
@given(file=adjustment_file(), chunk_bytes=st.sampled_from([7, 64, 300, 65536]), config=st.sampled_from(CONFIGS))
def test_generated_adjustment_files_parse_the_same_both_ways(file, chunk_bytes, config):
    assert_same(file[0], file[1], config, chunk_bytes)


def test_whole_valid_rows_take_the_batch_path():
    """The batch path is taken for a file of whole valid rows (not only the per-row path)."""
    out = io.StringIO()
    csv.writer(out).writerows(invoice_row(number, f"Customer {number}, Jr.", 1) for number in range(500))
    with mock.patch.object(spec, "fill_columns", wraps=spec.fill_columns) as fill:
        records, summary, *_ = assert_same("watersmart.invoice", out.getvalue().encode("utf-8"), chunk_bytes=4096)
    assert summary["ok"] == 500 and fill.call_count > 1
    assert records[0][0]["customer"]["CustomerName"] == "Customer 0, Jr."
