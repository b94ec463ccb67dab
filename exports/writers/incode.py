"""The columns the Tyler Incode payment files share (FORMATS.md 7.4): no header; Account,
Payment Date (MM/DD/YYYY, biller's time zone), Payment Amount, Reference (the payment message)."""
from exports.writers.base import Column, OutFile, amount, local_time, ordered, render, text, total

COLUMNS = (
    Column("Account", text("account_number")),
    Column("Payment Date", local_time("paid_at", "%m/%d/%Y")),
    Column("Payment Amount", amount("amount")),
    Column("Reference", text("payment_message")),
)


def payment_file(name, records, run):
    records = ordered(records)
    return OutFile(name, render(COLUMNS, records, run, header=False), len(records), total(records))
