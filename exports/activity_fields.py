"""The columns of the activity CSVs (FORMATS.md section 8), declared as data, and their
converters. A converter takes the trimmed raw text and returns the value or raises
ValueError with a message naming the raw value; blank optional values are None."""
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from exports.ach_codes import ACH_RETURN_CODES
from exports.models import ChangeKind, PaymentStatus

AMOUNT = re.compile(r"^(\d+)(?:\.(\d*))?$|^\.(\d+)$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PHONE = re.compile(r"^[0-9+()\-. ]+$")
MAX_INTEGER = 2**31 - 1


@dataclass(frozen=True)
class Field:
    column: str  # the CSV header
    attr: str  # the model field
    convert: Callable[[str], object]
    required: bool = False
    max_length: int | None = None


def text(value):
    if CONTROL.search(value):
        raise ValueError(f"{value!r} contains a control character")
    return value


def amount(value):
    match = AMOUNT.match(value)
    if not match:
        raise ValueError(f"{value!r} is not an amount (e.g. 12.50)")
    whole, decimals = match.group(1) or "0", match.group(2) or match.group(3) or ""
    if decimals[2:].strip("0"):
        raise ValueError(f"{value!r} has more than two decimals")
    if len(whole.lstrip("0")) > 10:
        raise ValueError(f"{value!r} has more than 10 digits before the point")
    return Decimal(f"{whole}.{(decimals + '00')[:2]}")


def aware_datetime(value):
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date and time (e.g. 2025-03-09T23:59:59-08:00)") from None
    if not re.match(r"^\d{4}-?\d{2}-?\d{2}[T ]", value):
        raise ValueError(f"{value!r} has no time (expected e.g. 2025-03-09T23:59:59-08:00)")
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset (add e.g. -08:00 or Z)")
    if not 1900 <= parsed.year <= 9998:
        raise ValueError(f"{value!r} is out of range (years 1900-9998)")
    return parsed.astimezone(datetime.timezone.utc)


def iso_date(value):
    if not re.match(r"^\d{4}-\d{2}-\d{2}(?:$|[T ])", value):
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)")
    try:
        if len(value) > 10:
            datetime.datetime.fromisoformat(value)
        parsed = datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None
    if not 1900 <= parsed.year <= 9998:
        raise ValueError(f"{value!r} is out of range (years 1900-9998)")
    return parsed


def integer(value):
    if not value.isascii() or not value.isdigit() or int(value) > MAX_INTEGER:
        raise ValueError(f"{value!r} is not a whole number")
    return int(value)


def choice(allowed, transform=str.lower):
    def convert(value):
        cleaned = transform(value)
        if cleaned not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return cleaned
    return convert


def payment_type(value):
    return {"1": 1, "2": 2}[choice(("1", "2"))(value)]


def true_false(value):
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(f"{value!r} is not True or False")


def ach_code(value):
    code = value.upper()
    if code not in ACH_RETURN_CODES:
        raise ValueError(f"{value!r} is not an ACH return reason code (R01 to R85)")
    return code


def email(value):
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(f"{value!r} is not an email address") from None
    return value


def phone(value):
    if not PHONE.match(value):
        raise ValueError(f"{value!r} is not a phone number")
    return value


PAYMENT_FIELDS = (
    Field("InvoiceNumber", "invoice_number", text, max_length=80),
    Field("InvoiceGUID", "invoice_guid", text, max_length=100),
    Field("AccountNumber", "account_number", text, required=True, max_length=60),
    Field("CustomerName", "customer_name", text, max_length=300),
    Field("PaymentGUID", "payment_guid", text, max_length=100),  # blank or absent: IC generates one
    Field("PaymentDate", "paid_at", aware_datetime, required=True),
    Field("PaymentTypeID", "payment_type_id", payment_type, required=True),
    Field("PaymentTypeDesc", "payment_type_desc", text, max_length=100),
    Field("PaymentAmount", "amount", amount, required=True),
    Field("ConvenienceFee", "convenience_fee", amount),
    Field("PaymentReference", "payment_reference", text, max_length=100),
    Field("PaymentMessage", "payment_message", text, max_length=300),
    Field("Status", "status", choice(PaymentStatus.values), required=True),
    Field("BillerReference", "biller_reference", text, max_length=300),
    Field("Offline", "offline", true_false),
    Field("LocationReference", "location_reference", text, max_length=100),
    Field("CheckNumber", "check_number", text, max_length=30),
    Field("CardBrand", "card_brand", lambda v: text(v).upper(), max_length=30),
    Field("InvoiceTypeID", "invoice_type_id", integer),
)

REJECT_FIELDS = (
    Field("TransactionDate", "transaction_date", iso_date, required=True),
    Field("RejectDate", "reject_date", iso_date, required=True),
    Field("AccountNumber", "account_number", text, required=True, max_length=60),
    Field("CustomerName", "customer_name", text, max_length=300),
    Field("InvoiceNumber", "invoice_number", text, max_length=80),
    Field("InvoiceType", "invoice_type", text, max_length=60),
    Field("Amount", "amount", amount, required=True),
    Field("Code", "code", ach_code, required=True),
    Field("AuthOrderNumber", "auth_order_number", text, max_length=100),
    Field("ReferenceNumber", "reference_number", text, required=True, max_length=100),
    Field("BillerReference", "biller_reference", text, max_length=300),
)

CHANGE_FIELDS = (
    Field("AccountNumber", "account_number", text, required=True, max_length=30),  # change log limit
    Field("Kind", "kind", choice(ChangeKind.values), required=True),
    Field("Value", "value", text, max_length=100),
    Field("At", "at", aware_datetime, required=True),
)

# a change's Value: required and checked for these kinds, blank for the others
CHANGE_VALUES = {"email": (email, 100), "phone": (phone, 15)}
