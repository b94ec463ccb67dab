"""`watersmart.payments`: ICPayments_YYYYMMDDHHMMSS.csv (FORMATS.md 7.1), optionally split
into AMEX / CC / Bank files."""
from exports.writers.base import (Column, OutFile, Take, amount, flag, local_time, number, ordered,
                                  render, text, total, ws_report_id)

# The catalogue entry (billers.catalog): IC name, kind, extension, naming convention.
NAME = "Payment/Lockbox File"
KIND = "payments"
EXTENSION = "csv"
NAMING = "ICPayments_YYYYMMDDHHMMSS.csv (split: ICPayments_AMEX_/ICPayments_CC_/ICPayments_Bank_...)"
RECORD = "payment"
TAKE = Take(cloud_store=False)  # every payment except Cloud Store ones (7.4)

COLUMNS = (
    Column("InvoiceNumber", text("invoice_number")),
    Column("InvoiceGUID", text("invoice_guid")),
    Column("AccountNumber", text("account_number")),
    Column("CustomerName", text("customer_name")),
    Column("PaymentGUID", text("payment_guid")),
    Column("PaymentDate", local_time("paid_at", "%m%d%Y%H%M%S")),
    Column("PaymentTypeID", number("payment_type_id")),
    Column("PaymentTypeDesc", text("payment_type_desc")),
    Column("PaymentAmount", amount("amount")),
    Column("ConvenienceFee", amount("convenience_fee")),
    Column("PaymentReference", text("payment_reference")),
    Column("PaymentMessage", text("payment_message")),
    Column("Approved", flag("approved")),
    Column("BillerReference", text("biller_reference")),
    Column("Offline", flag("offline")),
    Column("LocationReference", text("location_reference")),
    Column("WSReportID", ws_report_id),
    Column("CheckNumber", text("check_number")),
)

CARD = 1
SPLIT_FILES = ("AMEX", "CC", "Bank")


def split_file(record):
    """AMEX: card payments with brand AMEX; CC: other card payments; Bank: ACH and offline."""
    if record.offline or record.payment_type_id != CARD:
        return "Bank"
    return "AMEX" if record.card_brand.strip().upper() == "AMEX" else "CC"


def write(records, run, options=None):
    records = ordered(r for r in records if TAKE.matches(r))
    if not (options or {}).get("split"):
        return [OutFile(f"ICPayments_{run.stamp}.csv", render(COLUMNS, records, run), len(records), total(records))]
    files = []
    for part in SPLIT_FILES:
        rows = [r for r in records if split_file(r) == part]
        files.append(OutFile(f"ICPayments_{part}_{run.stamp}.csv", render(COLUMNS, rows, run), len(rows), total(rows)))
    return files
