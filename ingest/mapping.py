"""From a staged record (FORMATS.md 6 JSON) to the values of the biller's ledger rows.

Pure functions plus `LoadRules`, the biller's BIF values that a load applies to every
invoice (MinimumAmountDue, AllowPartialPayments, the LateFeeDate rule).
"""
import datetime
import uuid
from dataclasses import dataclass
from functools import cache
from decimal import Decimal

from billers.bif_rules import DateRule

TEXT = "text"
AMOUNT = "amount"
DATE = "date"
INTEGER = "integer"
GUID = "guid"
BOOLEAN = "boolean"

# record key -> (model field, kind). Text fields of Account are NOT NULL: None is "".
CUSTOMER_FIELDS = {
    "CustomerName": ("customer_name", TEXT),
    "Address1": ("address1", TEXT),
    "Address2": ("address2", TEXT),
    "City": ("city", TEXT),
    "State": ("state", TEXT),
    "Zip": ("zip", TEXT),
    "DisplayAccountNumber": ("display_account_number", TEXT),
    "BlockPaymentsCC": ("block_payments_cc", BOOLEAN),
    "BlockPaymentsEFT": ("block_payments_ach", BOOLEAN),
}
INVOICE_FIELDS = {
    "InvoiceDate": ("invoice_date", DATE),
    "InvoiceDueDate": ("due_date", DATE),
    "TotalAmountDue": ("total_amount_due", AMOUNT),
    "BalanceDue": ("balance_due", AMOUNT),
    "PastDue": ("past_due", AMOUNT),
    "MinimumAmountDue": ("minimum_amount_due", AMOUNT),
    "AllowPartialPayments": ("allow_partial_payments", BOOLEAN),
    "InvoiceTypeID": ("invoice_type_id", INTEGER),
    "InvoiceFormatGuid": ("invoice_format_guid", GUID),
    "LateFeeAmount": ("late_fee_amount", AMOUNT),
    "LateFeeDate": ("late_fee_date", DATE),
    **{f"Custom{n}": (f"custom{n}", "nullable_text") for n in range(10, 25)},
}
INVOICE_MODEL_FIELDS = [field for field, _ in INVOICE_FIELDS.values()]
DETAIL_FIELDS = ["description"] + [f"custom_field{n}" for n in range(1, 10)]


def convert(kind, value):
    if value is None or value == "":
        return "" if kind == TEXT else None
    if kind == AMOUNT:
        return Decimal(str(value))
    if kind == DATE:
        return datetime.date.fromisoformat(value)
    if kind == INTEGER:
        return int(value)
    if kind == GUID:
        return uuid.UUID(str(value))
    if kind == BOOLEAN:
        return bool(value)
    return str(value)


@dataclass(frozen=True)
class LoadRules:
    """BIF values applied to every invoice of a biller's load (questionnaire values and rules)."""

    minimum_amount_due: Decimal | None = None
    allow_partial_payments: bool | None = None
    late_fee_rule: DateRule | None = None

    @classmethod
    def for_biller(cls, biller):
        from billers.models import BifCustomization
        from billers.parsing import late_fee_rule

        answers = {row.feature.name: row.value for row in BifCustomization.objects.select_related("feature")
                   .filter(biller=biller, source__in=["questionnaire", "required"],
                           feature__name__in=["MinimumAmountDue", "AllowPartialPayments"])}
        minimum = answers.get("MinimumAmountDue")
        partial = answers.get("AllowPartialPayments")
        return cls(minimum_amount_due=Decimal(minimum) if minimum else None,
                   allow_partial_payments={"yes": True, "no": False}.get(partial),
                   late_fee_rule=late_fee_rule(biller))


def account_values(customer):
    """Model values for the customer (CR) fields the record's format carries."""
    return {field: convert(kind, customer[key]) for key, (field, kind) in CUSTOMER_FIELDS.items()
            if key in customer}


def invoice_values(invoice, rules):
    """Model values of every Invoice field a load writes, with the BIF values applied."""
    values = {field: convert(kind, invoice.get(key)) for key, (field, kind) in INVOICE_FIELDS.items()}
    if values["minimum_amount_due"] is None:
        values["minimum_amount_due"] = rules.minimum_amount_due
    if values["allow_partial_payments"] is None:
        values["allow_partial_payments"] = rules.allow_partial_payments
    if values["late_fee_date"] is None and rules.late_fee_rule is not None:
        values["late_fee_date"] = rules.late_fee_rule.apply(
            {"InvoiceDate": values["invoice_date"], "InvoiceDueDate": values["due_date"]})
    return values


def detail_rows(details):
    """The ID records as tuples in DETAIL_FIELDS order (position = index + 1)."""
    rows = []
    for detail in details or []:
        rows.append(tuple([detail.get("Description") or ""] +
                          [detail.get(f"CustomField{n}") for n in range(1, 10)]))
    return rows


def invoice_balance(values):
    """The account balance an invoice sets: BalanceDue when the file has it, else TotalAmountDue."""
    return values["balance_due"] if values["balance_due"] is not None else values["total_amount_due"]


@cache
def _text_columns():
    """(record part, record key, model, model field) for every text value a load writes."""
    from billers.models import Account, Invoice, InvoiceDetail

    columns = [("customer", "AccountNumber", Account, "account_number"),
               ("adjustment", "AccountNumber", Account, "account_number"),
               ("invoice", "InvoiceNumber", Invoice, "invoice_number"),
               ("details", "Description", InvoiceDetail, "description")]
    columns += [("customer", key, Account, field) for key, (field, kind) in CUSTOMER_FIELDS.items() if kind == TEXT]
    columns += [("invoice", key, Invoice, field) for key, (field, kind) in INVOICE_FIELDS.items()
                if kind == "nullable_text"]
    columns += [("details", f"CustomField{n}", InvoiceDetail, f"custom_field{n}") for n in range(1, 10)]
    return [(part, key, model._meta.get_field(field).max_length) for part, key, model, field in columns]


def oversized(data):
    """(field, message) for each text value of a staged record's data longer than the ledger
    column it would be written to (the database would refuse it, or a shortened account
    number would name another account)."""
    problems = []
    for part, key, limit in _text_columns():
        rows = data.get(part) or []
        for row in rows if isinstance(rows, list) else [rows]:
            value = row.get(key)
            if isinstance(value, str) and len(value) > limit:
                shown = value if len(value) <= 40 else value[:40] + "..."
                problems.append((key, f"{shown!r} is {len(value)} characters; at most {limit} are kept"))
    return problems


def differs(obj, values):
    return any(getattr(obj, name) != value for name, value in values.items())
