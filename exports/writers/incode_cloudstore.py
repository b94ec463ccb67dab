"""`incode.payments.cloudstore`: IC_CloudStore_YYYYMMDD.txt, approved payments of invoice
type 68 or 69 (left out of the biller's other payment files)."""
from exports.writers.base import Take
from exports.writers.incode import COLUMNS, payment_file  # noqa: F401  (COLUMNS: this format's declaration)

# The catalogue entry (billers.catalog): IC name, kind, extension, naming convention.
NAME = "Payment/Lockbox File - Utility Cloud Store Payments (InvoiceTypeID 68, 69)"
KIND = "payments"
EXTENSION = "txt"
NAMING = "IC_CloudStore_YYYYMMDD.txt"
RECORD = "payment"
TAKE = Take(statuses=frozenset({"approved"}), cloud_store=True)


def write(records, run, options=None):
    return [payment_file(f"IC_CloudStore_{run.day}.txt", [r for r in records if TAKE.matches(r)], run)]
