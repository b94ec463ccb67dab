"""Outbound writers, one module per format (FORMATS.md section 7). Pure: records, run
information and options in, files (name, bytes, row count, total) out; no database.

Each module declares `RECORD` (payment, reject or change), optionally `TAKE` (which
payments it carries) and `write(records, run, options) -> list[OutFile]`.
"""
from exports.writers import (incode_approved_offline, incode_cloudstore, incode_payments, watersmart_changelog,
                             watersmart_payments, watersmart_rejects)
from exports.writers.base import OutFile, RunInfo, Take, WriterError
from exports.writers.records import ChangeRecord, PaymentRecord, RejectRecord

WRITERS = {
    "watersmart.payments": watersmart_payments,
    "watersmart.rejects": watersmart_rejects,
    "watersmart.changelog": watersmart_changelog,
    "incode.payments": incode_payments,
    "incode.payments.approved_offline": incode_approved_offline,
    "incode.payments.cloudstore": incode_cloudstore,
}


def get_writer(code):
    try:
        return WRITERS[code]
    except KeyError:
        known = ", ".join(sorted(WRITERS))
        raise KeyError(f"{code!r} is not an outbound format (outbound formats: {known})") from None


def columns_of(code):
    """The columns a format's writer declares (header, value, max length), in file order."""
    return get_writer(code).COLUMNS


__all__ = ["WRITERS", "columns_of", "ChangeRecord", "OutFile", "PaymentRecord", "RejectRecord", "RunInfo", "Take",
           "WriterError", "get_writer"]
