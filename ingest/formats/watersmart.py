"""WaterSmart: positional CSV invoice and adjustment files (FORMATS.md 3 and 5.1)."""
from typing import Iterable, Iterator

from .bif import apply_bif, apply_bif_columns, bif_fields
from .converters import ADJUSTMENT_TYPE, AMOUNT, BOOLEAN, DATE, INTEGER, NAME, TEXT, ZIP
from .icfile import (ADJUSTMENT_HEAD, ADJUSTMENT_HEADER, CUSTOMER_HEAD, FILE_HEADER,
                     INVOICE_HEAD, UTILITY_INVOICE)
from .records import Record
from .readers import Batch, Row, first_row, read_csv_batches
from .spec import (BatchRecords, Careful, Draft, Field, FormatSpec, Position, Run, Table, column_check,
                   read_records)


def all_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


@column_check(lambda values: all(values) and all_digits("".join(values)))
def digits_only(value: str, run: Run) -> str | None:
    return None if all_digits(value) else "is not digits"


def invoice_type(value: int, run: Run) -> str | None:
    expected = run.config.invoice_type_id
    return None if value == expected else f"must be {expected}"


INVOICE_FIELDS = (
    *FILE_HEADER,
    *INVOICE_HEAD,
    Field("InvoiceNumber", 10, "IH", Position(12), TEXT, check=digits_only,
          rule="digits; if blank: AccountNumber-YYYYMMDD from InvoiceDate"),
    Field("InvoiceDate", 11, "IH", Position(8), DATE, required=True),
    Field("InvoiceDueDate", 12, "IH", Position(9), DATE, required=True),
    Field("TotalAmountDue", 13, "IH", Position(10), AMOUNT, required=True),
    Field("InvoiceTypeID", 252, "IH", Position(13), INTEGER, required=True, check=invoice_type,
          rule="integer; must equal the biller's InvoiceTypeID for the format (default 1)"),
    Field("PastDue", 407, "IH", Position(11), AMOUNT),
    *CUSTOMER_HEAD,
    Field("AccountNumber", 59, "CR", Position(1), TEXT, required=True, check=digits_only,
          rule="digits only (text: leading zeros kept)"),
    Field("CustomerName", 60, "CR", Position(2), NAME, required=True),
    Field("Address1", 61, "CR", Position(3), NAME),
    Field("Address2", 62, "CR", Position(4), NAME),
    Field("City", 63, "CR", Position(5), NAME),
    Field("State", 64, "CR", Position(6), NAME),
    Field("Zip", 65, "CR", Position(7), ZIP),
    Field("BlockPaymentsCC", 356, "CR", Position(14), BOOLEAN),
    Field("BlockPaymentsEFT", 357, "CR", Position(15), BOOLEAN),
    Field("DisplayAccountNumber", 373, "CR", Position(16), TEXT),
    *UTILITY_INVOICE,
)
INVOICE_FIELDS += bif_fields(INVOICE_FIELDS)
MIN_COLUMNS, MAX_COLUMNS = 13, 16

ADJUSTMENT_FIELDS = (
    *ADJUSTMENT_HEADER,
    *ADJUSTMENT_HEAD,
    Field("AccountNumber", 313, "AR", Position(1), TEXT, required=True, check=digits_only,
          rule="digits only (text: leading zeros kept)"),
    Field("CustomerName", None, "-", Position(2), rule="ignored"),
    Field("AdjustmentAmount", 314, "AR", Position(3), AMOUNT, required=True),
    Field("AdjustmentTypeID", 316, "AR", Position(4), ADJUSTMENT_TYPE, required=True,
          rule="1 adds the amount to the balance, 2 sets the balance"),
    Field("PastDue", None, "-", Position(5), rule="ignored"),
)


def is_header(row: Row) -> bool:
    """A first row whose column 1 is `AccountNumber` (any case, spaces and '_' ignored)."""
    first = row.fields[0].strip().replace(" ", "").replace("_", "")
    return first.lower() == "accountnumber"


def data_rows(items: Iterable[Batch | Row]) -> Iterator[Batch | Row]:
    """The rows (and batches of rows) after an optional header; a broken first row is never
    taken for a header (it is a record, so that every line it covers is reported)."""
    first, rest = first_row(items)
    if first is not None and not (first.error is None and first.last_line == first.line and is_header(first)):
        yield first
    yield from rest


class ColumnsPastMax:
    """Counts rows longer than the format's table, for one warning at the end."""

    def __init__(self, run: Run, maximum: int):
        self.run, self.maximum, self.rows, self.first = run, maximum, 0, None

    def see(self, row: Row) -> None:
        if len(row.fields) > self.maximum:
            self.rows += 1
            self.first = self.first or row.line

    def warn(self) -> None:
        if self.rows:
            self.run.warnings.append(f"columns past {self.maximum} ignored on {self.rows} row(s), "
                                     f"the first on line {self.first}")


def read_invoices(spec: FormatSpec, chunks: Iterable[str], run: Run) -> Iterator[Record]:
    header, customer, detail = (spec.table(kind, run.config) for kind in ("IH", "CR", "ID"))
    read = Table(header + customer, run.config)
    extra = ColumnsPastMax(run, MAX_COLUMNS)

    def row_record(row: Row) -> Record:
        draft, short = Draft(row.line, row.error, row.last_line), len(row.fields) < MIN_COLUMNS
        if short:
            draft.error(None, f"expected at least {MIN_COLUMNS} columns, found {len(row.fields)}")
        extra.see(row)
        draft.fill_raws(read, read.pick(row.fields), run, quiet_missing=short)
        values = draft.values
        if values["InvoiceNumber"] is None and not short and values["AccountNumber"] and values["InvoiceDate"]:
            values["InvoiceNumber"] = f"{values['AccountNumber']}-{values['InvoiceDate']:%Y%m%d}"
        apply_bif(draft, run.config.bif)
        run.note_duplicate(draft, "InvoiceNumber")
        return run.finish(draft, "TotalAmountDue", invoice=draft.render(header, run),
                          customer=draft.render(customer, run), details=[draft.render(detail, run)])

    def batch_records(batch: Batch) -> Iterator[Record]:
        """Whole rows of 13 to 16 columns, each with its InvoiceNumber."""
        if min(map(len, batch.rows)) < MIN_COLUMNS or max(map(len, batch.rows)) > MAX_COLUMNS:
            raise Careful
        return records.read(batch, read, read.positions, run, "InvoiceNumber", "TotalAmountDue",
                            then=lambda filled: apply_bif_columns(filled, run.config.bif, header))

    records = BatchRecords(invoice=header, customer=customer, details=(detail,))
    yield from read_records(data_rows(read_csv_batches(chunks)), batch_records, row_record)
    extra.warn()


def read_adjustments(spec: FormatSpec, chunks: Iterable[str], run: Run) -> Iterator[Record]:
    table = spec.table("AR", run.config)
    extra = ColumnsPastMax(run, len([f for f in spec.fields if isinstance(f.source, Position)]))

    def row_record(row: Row) -> Record:
        draft = Draft(row.line, row.error, row.last_line)
        extra.see(row)
        draft.fill_raws(table, table.pick(row.fields), run)
        run.note_duplicate(draft, "AccountNumber")
        return run.finish(draft, "AdjustmentAmount", adjustment=draft.render(table, run))

    def batch_records(batch: Batch) -> Iterator[Record]:
        if max(map(len, batch.rows)) > extra.maximum:
            raise Careful
        return records.read(batch, table, table.positions, run, "AccountNumber", "AdjustmentAmount")

    records = BatchRecords(adjustment=table)
    yield from read_records(data_rows(read_csv_batches(chunks)), batch_records, row_record)
    extra.warn()


FORMATS = (
    FormatSpec("watersmart.invoice", "invoice", "watersmart", "WaterSmart Invoice File (.csv)",
               INVOICE_FIELDS, read_invoices, default_invoice_type_id=1, naming="*Invoice*.csv"),
    FormatSpec("watersmart.adjustment", "adjustment", "watersmart",
               "WaterSmart Adjustment/Daily Balance File (.csv)", ADJUSTMENT_FIELDS, read_adjustments,
               naming="*Adjustment*.csv|*Balance*.csv"),
)
