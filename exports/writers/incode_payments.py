"""`incode.payments`: IC_YYYYMMDD.txt with approved, non-offline payments."""
from exports.writers.base import Take
from exports.writers.incode import COLUMNS, payment_file  # noqa: F401  (COLUMNS: this format's declaration)

# The catalogue entry (billers.catalog): IC name, kind, extension, naming convention.
NAME = "Payment/Lockbox File"
KIND = "payments"
EXTENSION = "txt"
NAMING = "IC_YYYYMMDD.txt"
RECORD = "payment"
TAKE = Take(statuses=frozenset({"approved"}), offline=False, cloud_store=False)


def write(records, run, options=None):
    return [payment_file(f"IC_{run.day}.txt", [r for r in records if TAKE.matches(r)], run)]
