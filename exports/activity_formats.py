"""The three activity CSVs (FORMATS.md section 8) declared as data, with the inbound formats'
framework (ingest.formats.spec and converters, a pure reading library): each `Field`'s name
is the model attribute it fills, its source the CSV column (by header name), its converter
the inbound `Converter` (the strict ones, for files IC writes itself). Only the converters of
activity values (ACH return codes, a change's new email or phone) are declared here."""
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from exports.ach_codes import ACH_RETURN_CODES
from ingest.formats.converters import (AWARE_DATETIME, ISO_DATE, TRUE_FALSE, UNSIGNED_AMOUNT, WHOLE_NUMBER,
                                       ConversionError, Converter, at_most, choice_of, choices,
                                       clean_plain_text, plain_text, shown)
from ingest.formats.spec import Column, Field
from ledger.models import AccountChange, AchReject, ChangeKind, Payment, PaymentStatus


def clean_ach_code(raw):
    code = raw.strip().upper()
    if code not in ACH_RETURN_CODES:
        raise ConversionError(f"{shown(raw.strip())} is not an ACH return reason code (R01 to R85)")
    return code


def clean_email(raw):
    value = raw.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise ConversionError(f"{shown(value)} is not an email address") from None
    return value


def clean_phone(raw):
    value = raw.strip()
    if not re.fullmatch(r"[0-9+()\-. ]+", value):
        raise ConversionError(f"{shown(value)} is not a phone number")
    return value


def clean_card_brand(raw):
    value = clean_plain_text(raw)
    return value.upper() if value else None


ACH_CODE = Converter("ACH return reason code R01..R85", clean_ach_code)
EMAIL = Converter("email address, at most 100 characters", at_most(100, clean_email))
PHONE = Converter("phone number, at most 15 characters", at_most(15, clean_phone))
CARD_BRAND = Converter("text, upper case, at most 30 characters", at_most(30, clean_card_brand))
PAYMENT_TYPE = Converter("1 (card) or 2 (ACH)", choice_of({"1": 1, "2": 2}))
PAYMENT_STATUS = Converter("payment status", choice_of(choices(*PaymentStatus.values)))
CHANGE_KIND = Converter("account change kind", choice_of(choices(*ChangeKind.values)))


def column(attr, name, converter, required=False):
    return Field(attr, None, "-", Column(name), converter, required=required)


@dataclass(frozen=True)
class ActivityFormat:
    name: str
    model: type
    fields: tuple[Field, ...]
    reference: str | None  # the attribute unique per biller: a later row with it is a status change or repeat

    def column_of(self, attr):
        return next(f.source.name for f in self.fields if f.name == attr)


PAYMENTS = ActivityFormat("payments", Payment, (
    column("invoice_number", "InvoiceNumber", plain_text(80)),
    column("invoice_guid", "InvoiceGUID", plain_text(100)),
    column("account_number", "AccountNumber", plain_text(60), required=True),
    column("customer_name", "CustomerName", plain_text(300)),
    column("payment_guid", "PaymentGUID", plain_text(100)),  # blank or absent: IC generates one (exports.guids)
    column("paid_at", "PaymentDate", AWARE_DATETIME, required=True),
    column("payment_type_id", "PaymentTypeID", PAYMENT_TYPE, required=True),
    column("payment_type_desc", "PaymentTypeDesc", plain_text(100)),
    column("amount", "PaymentAmount", UNSIGNED_AMOUNT, required=True),
    column("convenience_fee", "ConvenienceFee", UNSIGNED_AMOUNT),
    column("payment_reference", "PaymentReference", plain_text(100)),
    column("payment_message", "PaymentMessage", plain_text(300)),
    column("status", "Status", PAYMENT_STATUS, required=True),
    column("biller_reference", "BillerReference", plain_text(300)),
    column("offline", "Offline", TRUE_FALSE),
    column("location_reference", "LocationReference", plain_text(100)),
    column("check_number", "CheckNumber", plain_text(30)),
    column("card_brand", "CardBrand", CARD_BRAND),
    column("invoice_type_id", "InvoiceTypeID", WHOLE_NUMBER),
), "payment_guid")

REJECTS = ActivityFormat("rejects", AchReject, (
    column("transaction_date", "TransactionDate", ISO_DATE, required=True),
    column("reject_date", "RejectDate", ISO_DATE, required=True),
    column("account_number", "AccountNumber", plain_text(60), required=True),
    column("customer_name", "CustomerName", plain_text(300)),
    column("invoice_number", "InvoiceNumber", plain_text(80)),
    column("invoice_type", "InvoiceType", plain_text(60)),
    column("amount", "Amount", UNSIGNED_AMOUNT, required=True),
    column("code", "Code", ACH_CODE, required=True),
    column("auth_order_number", "AuthOrderNumber", plain_text(100)),
    column("reference_number", "ReferenceNumber", plain_text(100), required=True),
    column("biller_reference", "BillerReference", plain_text(300)),
), "reference_number")

CHANGES = ActivityFormat("changes", AccountChange, (
    column("account_number", "AccountNumber", plain_text(30), required=True),  # the change log's limit
    column("kind", "Kind", CHANGE_KIND, required=True),
    column("value", "Value", plain_text(100)),
    column("at", "At", AWARE_DATETIME, required=True),
), None)

ACTIVITY_FORMATS = {f.name: f for f in (PAYMENTS, REJECTS, CHANGES)}

# a change's Value: required and checked by these converters for these kinds, blank for the others
CHANGE_VALUES = {ChangeKind.EMAIL: EMAIL, ChangeKind.PHONE: PHONE}
