"""What a parse produces: records with per-field errors, the summary and the file header.

See docs/CONTRACTS.md (`ingest.formats`) and FORMATS.md section 6 for the JSON layout.
"""
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterator


class FileRefused(Exception):
    """The whole file is refused (empty, not text, no block, missing header column);
    `str()` is the one-line message for the user. Nothing is staged."""


@dataclass(frozen=True)
class ParseConfig:
    """Per-biller options of a format, built by `ingest.config.build_parse_config`."""
    biller_slug: str | None = None
    biller_guid: str | None = None
    invoice_type_id: int | None = None  # None: the format's default (1 WaterSmart, 42 Incode)
    invoice_format_guid: str | None = None
    skip_numeric_check: bool = False  # #131 TylerIncode.AdjustmentConfigs.SkipNumericCheck
    use_billing_address: bool = False  # #131 TylerIncode.InvoiceConfigs.UseBillingAddress
    landlord_marker: str = 'Landlord="Y"'
    # The biller's BIF values and rules (ingest.formats.bif.BifValue), applied to every invoice
    # where the file has no value; None: the format's default (Incode: LateFeeDate =
    # InvoiceDueDate + 1 day, FORMATS.md 4.1), () for none at all.
    bif: tuple | None = None
    file_creation_date: datetime.date | None = None  # None: today


@dataclass(frozen=True)
class FieldError:
    field: str | None  # the IC field name; None for an error of the whole row or block
    message: str
    line: int

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}" if self.field else \
            f"line {self.line}: {self.message}"

    def to_json(self) -> dict:
        return {"field": self.field, "message": self.message}


@dataclass(slots=True)
class Record:
    """One data row or block: `ok`, `error` (never loaded) or `skipped` (with a reason).
    Slotted: a parse makes one per row, and a slotted instance is cheaper to make and read."""
    line: int
    status: str = "ok"
    reason: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    invoice: dict | None = None
    customer: dict | None = None
    details: list[dict] = field(default_factory=list)
    adjustment: dict | None = None
    last_line: int | None = None  # physical line where the row or block ends; not in the JSON

    def to_json(self) -> dict:
        return {"line": self.line, "status": self.status, "reason": self.reason,
                "errors": [e.to_json() for e in self.errors], **self.data()}

    def data(self) -> dict:
        """The record's values, as staging keeps them: its adjustment, or its invoice, customer
        and details (the JSON without line, status, reason and errors)."""
        if self.adjustment is not None:
            return {"adjustment": self.adjustment}
        return {"invoice": self.invoice, "customer": self.customer, "details": self.details}


class Tally:
    """Counts of records by status, and the count and total of the `ok` ones."""

    def __init__(self):
        self.counts = {"records": 0, "ok": 0, "error": 0, "skipped": 0}
        self.ok_count, self.ok_total = 0, Decimal("0.00")

    def add(self, record: Record, amount: Any) -> None:
        self.counts["records"] += 1
        self.counts[record.status] += 1
        if record.status == "ok":
            self.ok_count += 1
            self.ok_total += amount if type(amount) is Decimal else Decimal(amount or 0)

    def add_ok(self, count: int, amounts: list[Decimal]) -> None:
        """`add` of `count` ok records in one step (the same total: summed in order)."""
        self.counts["records"] += count
        self.counts["ok"] += count
        self.ok_count += count
        self.ok_total = sum(amounts, self.ok_total)


class ParseResult:
    """The lazy result of `parse()`: iterate `records()` once; then read `summary`,
    `header` and `warnings` (they describe the records consumed so far)."""

    def __init__(self, code: str, kind: str, encoding: str, records: Iterator[Record],
                 tally: Tally, config: ParseConfig, warnings: list[str]):
        self.code, self.kind, self.encoding = code, kind, encoding
        self.warnings = warnings
        self._records, self._tally, self._config = records, tally, config

    def records(self) -> Iterator[Record]:
        if self._records is None:
            raise RuntimeError("ParseResult.records() can be consumed only once")
        records, self._records = self._records, None
        return records

    @property
    def summary(self) -> dict:
        return dict(self._tally.counts)

    @property
    def header(self) -> dict:
        config, tally = self._config, self._tally
        created = (config.file_creation_date or datetime.date.today()).isoformat()
        noun = "Invoice" if self.kind == "invoice" else "Adjustment"
        return {"RowType": "FH" if self.kind == "invoice" else "AH",
                "BillerGuid": config.biller_guid, "FileCreationDate": created,
                f"{noun}Count": tally.ok_count, f"Total{noun}Amount": f"{tally.ok_total:.2f}"}
