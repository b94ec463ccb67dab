"""From a staged record (FORMATS.md 6 JSON) to the values of the biller's ledger rows.

Pure functions. The biller's BIF values are already in the record (the parser applies them,
ingest.formats.bif), so the preview, the IC file and the load show the same values.
"""
import datetime
import uuid
from functools import cache
from decimal import Decimal

from ledger.models import Account, Invoice, InvoiceDetail

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
    "BalanceForward": ("balance_forward", BOOLEAN),
    "AchServiceFee": ("ach_service_fee", AMOUNT),
    "CreditCardServiceFee": ("credit_card_service_fee", AMOUNT),
    "AutoPayCollectionDate": ("autopay_collection_date", DATE),
    "FirstNotifyRequestedDate": ("first_notify_requested_date", DATE),
    "SecondNotifyRequestedDate": ("second_notify_requested_date", DATE),
    "ThirdNotifyRequestedDate": ("third_notify_requested_date", DATE),
    "PaymentExpirationDate": ("payment_expiration_date", DATE),
    "PaymentExpirationMessage": ("payment_expiration_message", "nullable_text"),
    "PromptPayExpirationDate": ("prompt_pay_expiration_date", DATE),
    "LocationReference": ("location_reference", "nullable_text"),
    "RegistrationValue": ("registration_value", "nullable_text"),
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


def account_values(customer):
    """Model values for the customer (CR) fields the record's format carries."""
    return {field: convert(kind, customer[key]) for key, (field, kind) in CUSTOMER_FIELDS.items()
            if key in customer}


def invoice_values(invoice):
    """Model values of every Invoice field a load writes (BIF values included: the parser put
    them in the record; a field the record lacks is empty)."""
    return {field: convert(kind, invoice.get(key)) for key, (field, kind) in INVOICE_FIELDS.items()}


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
    columns = [("customer", "AccountNumber", Account, "account_number"),
               ("adjustment", "AccountNumber", Account, "account_number"),
               ("invoice", "InvoiceNumber", Invoice, "invoice_number"),
               ("details", "Description", InvoiceDetail, "description")]
    columns += [("customer", key, Account, field) for key, (field, kind) in CUSTOMER_FIELDS.items() if kind == TEXT]
    columns += [("invoice", key, Invoice, field) for key, (field, kind) in INVOICE_FIELDS.items()
                if kind == "nullable_text"]
    columns += [("details", f"CustomField{n}", InvoiceDetail, f"custom_field{n}") for n in range(1, 10)]
    return [(part, key, model._meta.get_field(field).max_length) for part, key, model, field in columns]


@cache
def _limits_by_part():
    """part -> ((key, limit), ...) of _text_columns, for the quick check of `oversized`."""
    parts = {}
    for part, key, limit in _text_columns():
        parts.setdefault(part, []).append((key, limit))
    return tuple((part, tuple(keys)) for part, keys in parts.items())


def _any_oversized(data):
    for part, keys in _limits_by_part():
        rows = data.get(part)
        if not rows:
            continue
        for row in rows if type(rows) is list else (rows,):
            get = row.get
            for key, limit in keys:
                value = get(key)
                if type(value) is str and len(value) > limit:
                    return True
    return False


@cache
def _quick_check():
    """`_any_oversized` as one generated function, its loops over the parts and keys unrolled
    (about twice as fast: it runs once per staged record; the tests compare the two)."""
    lines = ["def any_oversized(data):", "    str_ = str"]
    for part, keys in _limits_by_part():
        lines += [f"    rows = data.get({part!r})", "    if rows:",
                  "        for row in (rows if type(rows) is list else (rows,)):", "            get = row.get"]
        for key, limit in keys:
            lines += [f"            value = get({key!r})",
                      f"            if type(value) is str_ and len(value) > {int(limit)}:", "                return True"]
    lines.append("    return False")
    namespace = {}
    exec(compile("\n".join(lines), "<ingest.mapping oversized check>", "exec"), namespace)
    return namespace["any_oversized"]


def oversized(data):
    """(field, message) for each text value of a staged record's data longer than the ledger
    column it would be written to (the database would refuse it, or a shortened account
    number would name another account)."""
    if not _quick_check()(data):   # the common case, checked once per value
        return []
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
