"""Downloads of a load, streamed from staging: the error report CSV (for people: every cell
through icportal.human_csv) and IC's standard file (for IC's import: written as is)."""
from icportal.human_csv import csv_lines
from ingest.models import RecordStatus
from ingest.staging import iter_batches

REPORT_HEADER = ["line", "status", "field", "message"]


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


def error_rows(load, columns):
    """One row per error (or per skipped record), in file order, with the record's values."""
    queryset = load.records.filter(status__in=[RecordStatus.ERROR, RecordStatus.SKIPPED])
    for records in iter_batches(queryset):
        for record in records:
            values = record_values(record.data, columns)
            problems = record.errors or [{"field": None, "message": record.reason}]
            for problem in problems:
                yield [record.line, record.status, problem.get("field") or "", problem.get("message")] + values


def error_report(load):
    """The error report's CSV lines (a UTF-8 BOM first, for spreadsheet programs)."""
    columns = value_columns(load)
    return csv_lines(REPORT_HEADER + columns, error_rows(load, columns))


def ic_header(load):
    """The parser's FH/AH header with the count and total of the records the load will load."""
    header = dict(load.header)
    noun = "Invoice" if load.file_format.kind == "invoice" else "Adjustment"
    header[f"{noun}Count"] = load.ok_count
    header[f"Total{noun}Amount"] = f"{load.total_amount or 0:.2f}"
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
