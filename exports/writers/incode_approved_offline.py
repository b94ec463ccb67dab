"""`incode.payments.approved_offline`: IC_YYYYMMDD.txt holds approved payments, offline (cash
and check) ones included; IC_YYYYMMDD-RejectedReversedPayments.txt the non-approved ones
(declined, voided, reversed), also those voided or reversed after an earlier file carried
them as approved (exports.runs carries those once more)."""
from exports.writers.base import Take
from exports.writers.incode import COLUMNS, payment_file  # noqa: F401  (COLUMNS: this format's declaration)

# The catalogue entry (billers.catalog): IC name, kind, extension, naming convention.
NAME = "Payment/Lockbox File - Include Offline & Approved Payments only"
KIND = "payments"
EXTENSION = "txt"
NAMING = "IC_YYYYMMDD.txt + IC_YYYYMMDD-RejectedReversedPayments.txt"
RECORD = "payment"
TAKE = Take(cloud_store=False, reversals=True)


def in_main_file(record):
    return record.approved  # offline payments are approved when entered; a voided one is not


def write(records, run, options=None):
    records = [r for r in records if TAKE.matches(r)]
    return [
        payment_file(f"IC_{run.day}.txt", [r for r in records if in_main_file(r)], run),
        payment_file(f"IC_{run.day}-RejectedReversedPayments.txt", [r for r in records if not in_main_file(r)], run),
    ]
