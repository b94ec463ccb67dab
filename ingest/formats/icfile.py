"""IC's standard import records (FH, IH, CR, ID, AH, AR): the fields every format shares,
and `write_ic`, which writes a parsed load as IC's standard import file."""
import csv
from typing import Any, Iterable, Iterator

from .spec import Constant, Field, Setting

FILE_HEADER = (
    Field("RowType", 1, "FH", Constant("FH")),
    Field("BillerGuid", 2, "FH", Setting("biller_guid")),
    Field("FileCreationDate", 4, "FH", rule="the parse date, or the configured one"),
    Field("InvoiceCount", 5, "FH", rule="number of ok invoices"),
    Field("TotalInvoiceAmount", 6, "FH", rule="sum of TotalAmountDue of ok invoices"),
)
ADJUSTMENT_HEADER = (
    Field("RowType", 305, "AH", Constant("AH")),
    Field("BillerGuid", 306, "AH", Setting("biller_guid")),
    Field("FileCreationDate", 308, "AH", rule="the parse date, or the configured one"),
    Field("AdjustmentCount", 309, "AH", rule="number of ok adjustments"),
    Field("TotalAdjustmentAmount", 310, "AH", rule="sum of AdjustmentAmount of ok adjustments"),
)
INVOICE_HEAD = (
    Field("RowType", 7, "IH", Constant("IH")),
    Field("RecordType", 8, "IH", Constant("N")),
    Field("InvoiceFormatGuid", 9, "IH", Setting("invoice_format_guid")),
)
CUSTOMER_HEAD = (Field("RowType", 58, "CR", Constant("CR")),)
ADJUSTMENT_HEAD = (Field("RowType", 311, "AR", Constant("AR")),)
UTILITY_INVOICE = (
    Field("RowType", 70, "ID", Constant("ID")),
    Field("Description", 72, "ID", Constant("Utility Invoice"), rule="the first detail of every invoice"),
)
DETAIL_COLUMNS = ("RowType", "Description", *(f"CustomField{n}" for n in range(1, 10)))
UNNUMBERED = 10_000
_DETAIL_IDS = dict(zip(DETAIL_COLUMNS, (70, 72, *range(83, 92))))


def write_ic(header: dict, records: Iterable[Any], fields: Iterable[Field]) -> Iterator[str]:
    """One CSV line (CRLF-terminated) per IC record: the header first, then per `ok` record
    its IH, CR and ID rows, or its adjustment row; fields in FileSpecID order. `records`
    are `Record`s or their `to_json()` dicts."""
    fields = list(fields)
    ids = {(f.record, f.name): f.filespec_id for f in fields if f.filespec_id is not None}
    # Fields without a FileSpecID (BIF values the seeds do not number) follow, in declaration
    # order: never in the order of a stored dict (PostgreSQL's jsonb does not keep it).
    for f in fields:
        ids.setdefault((f.record, f.name), UNNUMBERED + len(ids))
    ids.update({("ID", name): number for name, number in _DETAIL_IDS.items()})
    yield _line(header, ids)
    for record in records:
        part = record.get if isinstance(record, dict) else lambda name: getattr(record, name)
        if part("status") != "ok":
            continue
        if part("adjustment") is not None:
            yield _line(part("adjustment"), ids)
            continue
        yield _line(part("invoice"), ids)
        yield _line(part("customer"), ids)
        for detail in part("details"):
            yield _csv([detail.get(name) for name in DETAIL_COLUMNS])


def _line(row: dict, ids: dict) -> str:
    kind = row["RowType"]
    names = sorted(row, key=lambda name: ids.get((kind, name), UNNUMBERED * 2))
    return _csv([row[name] for name in names])


class _Returned:
    """A csv.writer target whose write() hands the line back (one writer for every line)."""

    def write(self, text: str) -> str:
        return text


_WRITER = csv.writer(_Returned(), lineterminator="\r\n")


def _csv(values: list) -> str:
    return _WRITER.writerow("" if v is None else ("1" if v else "0") if isinstance(v, bool) else v for v in values)
