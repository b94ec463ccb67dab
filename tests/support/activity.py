"""Activity-import files for the exports tests: payment rows and the CSV text of a kind."""
import csv
import io

from billers.models import BillerFileFormat

CSV_HEADERS = {
    "payments": ["InvoiceNumber", "InvoiceGUID", "AccountNumber", "CustomerName", "PaymentGUID", "PaymentDate",
                 "PaymentTypeID", "PaymentTypeDesc", "PaymentAmount", "ConvenienceFee", "PaymentReference",
                 "PaymentMessage", "Status", "BillerReference", "Offline", "LocationReference", "CheckNumber",
                 "CardBrand", "InvoiceTypeID"],
    "rejects": ["TransactionDate", "RejectDate", "AccountNumber", "CustomerName", "InvoiceNumber", "InvoiceType",
                "Amount", "Code", "AuthOrderNumber", "ReferenceNumber", "BillerReference"],
    "changes": ["AccountNumber", "Kind", "Value", "At"],
}


def payment_row(**values):
    row = {"AccountNumber": "1001", "PaymentGUID": "g-1", "PaymentDate": "2025-03-09T12:00:00-08:00",
           "PaymentTypeID": "1", "PaymentAmount": "10.00", "Status": "approved", "CardBrand": "VISA",
           "CustomerName": "Joseph Smith", "PaymentMessage": "Approved 000518", "Offline": "False"}
    row.update(values)
    return row


def make_csv(kind, rows, header=None):
    """CSV text with the kind's header (or `header`), rows given as dicts; CRLF, quoted as needed."""
    header = header or CSV_HEADERS[kind]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return buffer.getvalue()


def set_split(biller, split):
    """Turn WaterSmart's split payments option on or off for a biller."""
    row = BillerFileFormat.objects.get(biller=biller, file_format__code="watersmart.payments")
    row.options = {"split": split}
    row.save()
