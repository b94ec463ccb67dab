"""BIF rules: a small validated form such as ``InvoiceDueDate + 1 day``.

A rule is parsed into data (field, days) and applied by date arithmetic; it is never
evaluated as code. The seeds' VB form ``DateAdd(DateInterval.Day, 1, CDate(row("DUEDATE")))``
is accepted and normalized to the canonical form.
"""
import datetime
import re
from dataclasses import dataclass

RULE_FIELDS = {"InvoiceDate": "InvoiceDate", "InvoiceDueDate": "InvoiceDueDate"}
# Column names of the partner files, as the seeds' VB rules name them.
VB_COLUMNS = {"DUEDATE": "InvoiceDueDate", "BILLDATE": "InvoiceDate", "INVOICEDATE": "InvoiceDate"}

CANONICAL = re.compile(
    r"^\s*(?P<field>[A-Za-z]+)\s*(?:(?P<sign>[+-])\s*(?P<days>\d{1,4})\s*(?P<unit>days?)\s*)?$",
    re.IGNORECASE)
VB_DATEADD = re.compile(
    r'^\s*DateAdd\(\s*DateInterval\.Day\s*,\s*(?P<days>-?\d{1,4})\s*,\s*'
    r'CDate\(\s*row\(\s*"(?P<column>[A-Za-z_]+)"\s*\)\s*\)\s*\)\s*$', re.IGNORECASE)

EXAMPLES = "e.g. 'InvoiceDueDate + 1 day', 'InvoiceDate - 5 days', 'InvoiceDueDate'"


class RuleError(ValueError):
    pass


@dataclass(frozen=True)
class DateRule:
    field: str
    days: int

    def __str__(self):
        if self.days == 0:
            return self.field
        unit = "day" if abs(self.days) == 1 else "days"
        sign = "+" if self.days > 0 else "-"
        return f"{self.field} {sign} {abs(self.days)} {unit}"

    def apply(self, values):
        """The rule's date for a record whose dates are in `values` (date or None)."""
        base = values.get(self.field)
        if base is None:
            return None
        return base + datetime.timedelta(days=self.days)


def parse_rule(text):
    """Parse a rule's text into a DateRule, or raise RuleError saying what is wrong."""
    text = (text or "").strip()
    if not text:
        raise RuleError(f"a rule is required ({EXAMPLES})")
    vb = VB_DATEADD.match(text)
    if vb:
        column = vb["column"].upper()
        if column not in VB_COLUMNS:
            raise RuleError(f"unknown column {vb['column']!r} (known: {', '.join(sorted(VB_COLUMNS))})")
        return DateRule(VB_COLUMNS[column], int(vb["days"]))
    match = CANONICAL.match(text)
    if not match:
        raise RuleError(f"{text!r} is not a rule ({EXAMPLES})")
    field = next((f for f in RULE_FIELDS if f.lower() == match["field"].lower()), None)
    if field is None:
        raise RuleError(f"unknown field {match['field']!r} (known: {', '.join(RULE_FIELDS)})")
    days = int(match["days"] or 0)
    if match["sign"] == "-":
        days = -days
    return DateRule(field, days)
