"""`watersmart.rejects`: ICRejects_YYYYMMDDHHMMSS.csv (FORMATS.md 7.2)."""
from exports.writers.base import Column, OutFile, amount, day, ordered, render, text, total

# The catalogue entry (billers.catalog): IC name, kind, extension, naming convention.
NAME = "ACH Rejects File"
KIND = "rejects"
EXTENSION = "csv"
NAMING = "ICRejects_YYYYMMDDHHMMSS.csv"
RECORD = "reject"

COLUMNS = (
    Column("Transaction Date", day("transaction_date", "%m/%d/%Y")),
    Column("Reject Date", day("reject_date", "%m/%d/%Y")),
    Column("Account Number", text("account_number")),
    Column("Customer Name", text("customer_name")),
    Column("Invoice Number", text("invoice_number")),
    Column("Invoice Type", text("invoice_type")),
    Column("Amount", amount("amount")),
    Column("Code", text("code")),
    Column("Auth Order Number", text("auth_order_number")),
    Column("Reference Number", text("reference_number")),
    Column("Biller Reference", text("biller_reference")),
)


def write(records, run, options=None):
    records = ordered(records)
    return [OutFile(f"ICRejects_{run.stamp}.csv", render(COLUMNS, records, run), len(records), total(records))]
