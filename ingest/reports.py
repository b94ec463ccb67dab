"""Downloads of a load, streamed from staging: the error report CSV (for people: every cell
through icportal.human_csv) and IC's standard file (for IC's import: written as is).

Both read the staged records as plain values from one query (a server-side cursor; never model
instances, never OFFSET; the error report leaves the detail lines in the database), so a
1M-record load streams well within the web timeout (`manage.py bench --pipeline` measures it).
"""
from django.db.models.fields.json import KeyTransform

from icportal.human_csv import csv_lines
from ingest.formats import get_format, write_ic
from ingest.models import RecordStatus

REPORT_HEADER = ["line", "status", "field", "message"]
BATCH = 5000
PARTS = ("customer", "invoice", "adjustment")


def iter_values(queryset, *fields, size=BATCH):
    """Yield value tuples of `fields` in seq order from one query read in chunks of `size`
    (a server-side cursor on PostgreSQL): one pass over the records, whatever the filter
    (a keyset seek per batch would sort the error and skipped records again each time)."""
    return queryset.order_by("seq").values_list(*fields).iterator(chunk_size=size)


def record_values(parts, columns):
    """The values of `columns` from the record's parts (customer, invoice, adjustment dicts)."""
    flat = {}
    for part in parts:
        for key, value in (part or {}).items():
            flat.setdefault(key, value)
    return [flat.get(column) for column in columns]


def value_columns(load):
    """The record's field names in the format's declaration order: customer (CR), invoice (IH)
    or adjustment (AR). Taken from the format, not from stored JSON (PostgreSQL's jsonb does
    not keep key order). The biller's BIF values are not the file's and are left out."""
    fields = get_format(load.file_format.code).fields
    columns = []
    for record in ("CR", "IH", "AR"):
        for field in fields:
            if (field.record == record and field.name != "RowType" and field.kind != "bif"
                    and field.name not in columns):
                columns.append(field.name)
    return columns


def error_rows(load, columns):
    """One row per error (or per skipped record), in file order, with the record's values."""
    queryset = load.records.filter(status__in=[RecordStatus.ERROR, RecordStatus.SKIPPED]).annotate(
        **{f"part_{part}": KeyTransform(part, "data") for part in PARTS})
    fields = ("line", "status", "reason", "errors", *(f"part_{part}" for part in PARTS))
    for line, status, reason, errors, *parts in iter_values(queryset, *fields):
        values = record_values(parts, columns)
        for problem in errors or [{"field": None, "message": reason}]:
            yield [line, status, problem.get("field") or "", problem.get("message")] + values


def error_report(load):
    """The error report's CSV lines (a UTF-8 BOM first, for spreadsheet programs)."""
    columns = value_columns(load)
    return csv_lines(REPORT_HEADER + columns, error_rows(load, columns))


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
    def records():
        for (data,) in iter_values(load.records.filter(status=RecordStatus.OK), "data"):
            yield {"status": "ok", "adjustment": None, "invoice": None, "customer": None, "details": [], **data}

    yield from write_ic(ic_header(load), records())
