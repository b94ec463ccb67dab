"""Downloads of a load, streamed from staging: the error report CSV and IC's standard file."""
import csv
import io

from ingest.models import RecordStatus
from ingest.staging import iter_batches

# A cell starting with one of these is a formula in spreadsheet programs (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
REPORT_HEADER = ["line", "status", "field", "message"]


def is_number(text):
    body = text[1:] if text[:1] in "+-" else text
    whole, _, decimals = body.partition(".")
    return bool(whole) and whole.isdigit() and whole.isascii() and (decimals == "" or (decimals.isdigit() and decimals.isascii()))


def safe_cell(value):
    """The text of a cell for a human-facing CSV: formulas neutralised with a leading `'`.

    Plain numbers (e.g. the amount `-15.00`) are not formulas and are kept as written.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(FORMULA_START) and not is_number(text):
        return "'" + text
    return text


def _csv_line(values):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([safe_cell(v) for v in values])
    return out.getvalue()


def record_values(data, columns):
    flat = {}
    for part in ("customer", "invoice", "adjustment"):
        for key, value in (data.get(part) or {}).items():
            flat.setdefault(key, value)
    return [flat.get(column) for column in columns]


def value_columns(load):
    """The record's field names in the format's declaration order: customer (CR), invoice (IH)
    or adjustment (AR). Taken from the format, not from stored JSON (PostgreSQL's jsonb does
    not keep key order)."""
    from ingest.formats import get_format

    fields = get_format(load.file_format.code).fields
    columns = []
    for record in ("CR", "IH", "AR"):
        for field in fields:
            if field.record == record and field.name != "RowType" and field.name not in columns:
                columns.append(field.name)
    return columns


def error_report(load):
    """CSV lines: one row per error (or per skipped record), in file order, with its values."""
    columns = value_columns(load)
    yield _csv_line(REPORT_HEADER + columns)
    queryset = load.records.filter(status__in=[RecordStatus.ERROR, RecordStatus.SKIPPED])
    for records in iter_batches(queryset):
        for record in records:
            values = record_values(record.data, columns)
            problems = record.errors or [{"field": None, "message": record.reason}]
            for problem in problems:
                yield _csv_line([record.line, record.status, problem.get("field") or "", problem.get("message")]
                                + values)


def ic_header(load):
    """The parser's FH/AH header with the count and total of the records the load will load."""
    header = dict(load.header)
    noun = "Invoice" if load.file_format.kind == "invoice" else "Adjustment"
    header[f"{noun}Count"] = load.ok_count
    # the summary keeps the exact total (SQLite stores a decimal column with 15 digits)
    header[f"Total{noun}Amount"] = (load.summary or {}).get("total_amount") or f"{load.total_amount or 0:.2f}"
    return header


def ic_file(load):
    """IC's standard import file of the load's ok records (ingest.formats.write_ic)."""
    from ingest.formats import write_ic

    def records():
        for batch in iter_batches(load.records.filter(status=RecordStatus.OK)):
            for record in batch:
                yield {"status": "ok", "adjustment": None, "invoice": None, "customer": None, "details": [],
                       **record.data}

    yield from write_ic(ic_header(load), records())
