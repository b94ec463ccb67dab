"""`incode.payments.approved_offline`: IC_YYYYMMDD.txt holds approved payments and offline
(cash and check) payments; IC_YYYYMMDD-RejectedReversedPayments.txt the non-approved ones."""
from exports.writers.base import Take
from exports.writers.incode import COLUMNS, payment_file  # noqa: F401  (COLUMNS: this format's declaration)

RECORD = "payment"
TAKE = Take(cloud_store=False)


def in_main_file(record):
    return record.approved or record.offline


def write(records, run, options=None):
    records = [r for r in records if TAKE.matches(r)]
    return [
        payment_file(f"IC_{run.day}.txt", [r for r in records if in_main_file(r)], run),
        payment_file(f"IC_{run.day}-RejectedReversedPayments.txt", [r for r in records if not in_main_file(r)], run),
    ]
