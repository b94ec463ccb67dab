"""The activity CSVs are declared with the inbound reading framework (ingest.formats): their
columns are FORMATS.md 8's, each fills a field of its model, and bad values are refused with
messages naming the column and the raw value, one FieldError per value."""
import pytest

from exports.activity import import_activity
from exports.activity_formats import ACTIVITY_FORMATS
from ingest.formats import FieldError
from ingest.formats.spec import Column, Field
from tests.support.activity import CSV_HEADERS, make_csv, payment_row


@pytest.mark.parametrize("kind", sorted(CSV_HEADERS))
def test_each_activity_csv_declares_formats_columns_as_fields_of_its_model(kind):
    spec = ACTIVITY_FORMATS[kind]
    assert [f.source.name for f in spec.fields] == CSV_HEADERS[kind]
    model_fields = {f.attname for f in spec.model._meta.concrete_fields} | {"account_number"}
    assert all(isinstance(f, Field) and isinstance(f.source, Column) and f.converter for f in spec.fields)
    assert {f.name for f in spec.fields} - model_fields == set()


@pytest.mark.parametrize("values, message", [
    ({"PaymentMessage": "Paid\x1cto"}, "line 2, PaymentMessage: 'Paid\\x1cto' contains the control character U+001C"),
    ({"CustomerName": "Ann\x0bLee"}, "line 2, CustomerName: 'Ann\\x0bLee' contains the control character U+000B"),
    ({"CheckNumber": "9" * 31}, f"line 2, CheckNumber: '{'9' * 31}' is longer than 30 characters"),
    ({"PaymentAmount": "-10.00"}, "line 2, PaymentAmount: '-10.00' is not an amount (e.g. 12.50)"),
    ({"PaymentAmount": "12345678901.00"}, "line 2, PaymentAmount: '12345678901.00' has more than 10 digits "
                                          "before the point"),
    ({"PaymentDate": "2025-03-09"}, "line 2, PaymentDate: '2025-03-09' has no time (expected e.g. "
                                    "2025-03-09T23:59:59-08:00)"),
    ({"PaymentDate": "1899-12-31T00:00:00Z"}, "line 2, PaymentDate: '1899-12-31T00:00:00Z' is out of range "
                                              "(years 1900-9998)"),
    ({"PaymentTypeID": "3"}, "line 2, PaymentTypeID: '3' is not one of 1, 2"),
    ({"Offline": "maybe"}, "line 2, Offline: 'maybe' is not True or False"),
    ({"InvoiceTypeID": "-1"}, "line 2, InvoiceTypeID: '-1' is not a whole number"),
    ({"PaymentGUID": "", "Status": ""}, "line 2, Status: a value is required"),
])
def test_a_bad_payment_value_is_one_field_error_naming_line_column_and_raw_value(watersmart, values, message):
    result = import_activity("payments", watersmart, make_csv("payments", [payment_row(**values)]))
    assert result.imported == 0 and [str(e) for e in result.errors] == [message]
    assert all(type(e) is FieldError for e in result.errors)


def test_good_strict_values_convert_to_the_stored_payment(watersmart):
    row = payment_row(PaymentAmount=".5", Offline="1", CardBrand=" amex ", InvoiceTypeID="68",
                      PaymentTypeID="2", Status="APPROVED", PaymentGUID="")
    result = import_activity("payments", watersmart, make_csv("payments", [row]))
    payment = result.objects[0]
    assert (result.errors, str(payment.amount), payment.offline, payment.card_brand, payment.invoice_type_id,
            payment.payment_type_id, payment.status) == ([], "0.50", True, "AMEX", 68, 2, "approved")
    assert payment.payment_guid  # blank: IC generates one
