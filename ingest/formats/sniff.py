"""What a file looks like, from its first lines, before it is parsed (pure: text in, answer out).

A support person who picks the wrong format gets a refusal that names what the file looks
like ("this looks like an Incode XML invoice file; choose incode.invoice.skip_landlord or
incode.invoice.include_dashes") instead of a parse full of column errors. The shape is
judged on the head of the file only (its first line and first data row): XML or CSV, and for
a CSV its header (compared with the columns of a format that has named columns) or its
column count.
"""
import csv
import io
import re
from dataclasses import dataclass

HEAD_CHARS = 8 * 1024

WATERSMART_INVOICE_COLUMNS = (13, 16)
WATERSMART_ADJUSTMENT_COLUMNS = (5, 5)
INCODE_ADJUSTMENT_HEADER = ("formatted account number", "new balance")


@dataclass(frozen=True)
class Shape:
    """A family of formats: `partner`, `kind` and how a person would call such a file."""
    partner: str
    kind: str
    label: str


INCODE_INVOICE = Shape("incode", "invoice", "an Incode XML invoice file")
INCODE_ADJUSTMENT = Shape("incode", "adjustment", "an Incode adjustment CSV (with its header row)")
WATERSMART_INVOICE = Shape("watersmart", "invoice", "a WaterSmart invoice CSV")
WATERSMART_ADJUSTMENT = Shape("watersmart", "adjustment", "a WaterSmart adjustment CSV")


def _squash(name: str) -> str:
    return name.strip().replace(" ", "").replace("_", "").casefold()


def _first_rows(head: str, count: int = 2) -> list[list[str]]:
    """The first non-blank CSV rows of the head (the last line may be cut: it is dropped
    unless the head is the whole file)."""
    lines = re.split(r"\r\n|\r|\n", head)
    if len(head) >= HEAD_CHARS and len(lines) > 1:
        lines = lines[:-1]
    rows = []
    try:
        for row in csv.reader(io.StringIO("\n".join(lines))):
            if any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) == count:
                break
    except csv.Error:
        pass
    return rows


def guess_shape(head: str) -> Shape | None:
    """The format family the head of a file looks like, or None when it is not clear."""
    text = head.lstrip("\ufeff \t\r\n")
    if not text:
        return None
    if text.startswith("<"):
        return INCODE_INVOICE
    rows = _first_rows(text)
    if not rows:
        return None
    first = rows[0]
    names = {cell.strip().casefold() for cell in first}
    if all(name in names for name in INCODE_ADJUSTMENT_HEADER):
        return INCODE_ADJUSTMENT
    data = rows[1] if _squash(first[0]) == "accountnumber" and len(rows) > 1 else first
    low, high = WATERSMART_INVOICE_COLUMNS
    if low <= len(data) <= high:
        return WATERSMART_INVOICE
    low, high = WATERSMART_ADJUSTMENT_COLUMNS
    if low <= len(data) <= high:
        return WATERSMART_ADJUSTMENT
    return None


def refusal(spec, head: str, codes) -> str | None:
    """The one-line reason to refuse a file chosen as format `spec` (a FormatSpec) whose
    head is `head`, or None when the file may be of that format. `codes` are all the inbound
    format codes (to name the ones to choose instead)."""
    shape = guess_shape(head)
    if shape is not None and (shape.partner, shape.kind) != (spec.partner, spec.kind):
        matching = [c for c in codes if c.startswith(f"{shape.partner}.{shape.kind}")]
        return f"this looks like {shape.label}, not {spec.code}; choose {' or '.join(matching)}"
    if spec.partner == "watersmart":
        return _watersmart_header_refusal(spec.code, spec.kind, head)
    return None


def _watersmart_header_refusal(code: str, kind: str, head: str) -> str | None:
    """A WaterSmart header row (first column AccountNumber) must have the format's columns."""
    rows = _first_rows(head.lstrip("\ufeff"), 1)
    if not rows or _squash(rows[0][0]) != "accountnumber":
        return None
    if any("\n" in cell or "\r" in cell for cell in rows[0]):
        return None  # a quote left open in the header: the parser makes it an error record naming its lines
    low, high = WATERSMART_INVOICE_COLUMNS if kind == "invoice" else WATERSMART_ADJUSTMENT_COLUMNS
    found = len(rows[0])
    if low <= found <= high:
        return None
    wanted = f"{low} to {high}" if low != high else f"{low}"
    return (f"the header row has {found} column(s) ({', '.join(c.strip() for c in rows[0][:6])}"
            f"{', …' if found > 6 else ''}); {code} has {wanted}")
