import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from billers.demo import seed_demo
from billers.models import Account, Biller, BillerFileFormat

CSV_HEADERS = {
    "payments": ["InvoiceNumber", "InvoiceGUID", "AccountNumber", "CustomerName", "PaymentGUID", "PaymentDate",
                 "PaymentTypeID", "PaymentTypeDesc", "PaymentAmount", "ConvenienceFee", "PaymentReference",
                 "PaymentMessage", "Status", "BillerReference", "Offline", "LocationReference", "CheckNumber",
                 "CardBrand", "InvoiceTypeID"],
    "rejects": ["TransactionDate", "RejectDate", "AccountNumber", "CustomerName", "InvoiceNumber", "InvoiceType",
                "Amount", "Code", "AuthOrderNumber", "ReferenceNumber", "BillerReference"],
    "changes": ["AccountNumber", "Kind", "Value", "At"],
}


@pytest.fixture
def demo(db):
    seed_demo()
    billers = {b.slug: b for b in Biller.objects.all()}
    for biller in billers.values():
        for number, name in [("1001", "Joseph Smith"), ("1002", "Jane Doe"), ("1003", "Bob Roe")]:
            Account.objects.create(biller=biller, account_number=number, customer_name=name,
                                   current_balance=Decimal("100.00"))
    return billers


@pytest.fixture
def watersmart(demo):
    return demo["demo-watersmart"]


@pytest.fixture
def incode(demo):
    return demo["demo-incode"]


@pytest.fixture
def users(demo):
    return {u.username: u for u in User.objects.all()}


def payment_row(**values):
    row = {"AccountNumber": "1001", "PaymentGUID": "g-1", "PaymentDate": "2025-03-09T12:00:00-08:00",
           "PaymentTypeID": "1", "PaymentAmount": "10.00", "Status": "approved", "CardBrand": "VISA",
           "CustomerName": "Joseph Smith", "PaymentMessage": "Approved 000518", "Offline": "False"}
    row.update(values)
    return row


def make_csv(kind, rows, header=None):
    """CSV text with the kind's header (or `header`), rows given as dicts; CRLF, quoted as needed."""
    import csv
    import io

    header = header or CSV_HEADERS[kind]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return buffer.getvalue()


def set_split(biller, split):
    row = BillerFileFormat.objects.get(biller=biller, file_format__code="watersmart.payments")
    row.options = {"split": split}
    row.save()


def aware(zone, *args):
    return datetime.datetime(*args, tzinfo=zone)
