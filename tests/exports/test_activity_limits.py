"""A payment import never fails as a whole on a derived value (issue 10, item 6): an approved
payment that would take its account's balance, or its invoice's amount paid, past the column
is an error on its row naming the value and the limit; the other rows are imported."""
from decimal import Decimal

from exports.activity import import_activity, validate
from ledger.models import Account, Invoice, Payment
from tests.support.activity import make_csv, payment_row

HUGE = "9999999999.99"


def rows(count, **values):
    return [payment_row(PaymentGUID=f"big-{n}", PaymentAmount=HUGE, **values) for n in range(count)]


def test_payments_past_the_balance_column_are_errors_on_their_rows(watersmart):
    data = make_csv("payments", rows(101) + [payment_row(PaymentGUID="declined", PaymentAmount=HUGE,
                                                         Status="declined")])
    result = import_activity("payments", watersmart, data)
    # 100.00 - 100 x 9,999,999,999.99 = -999,999,999,899.00 fits; the 101st does not
    assert result.imported == 101 and [e.line for e in result.errors] == [102]
    assert str(result.errors[0]) == ("line 102, PaymentAmount: after this payment the account's balance would be "
                                     "-1009999999898.99; it holds at most 999999999999.99 either way")
    account = Account.objects.get(biller=watersmart, account_number="1001")
    assert account.current_balance == Decimal("-999999999899.00")
    assert not Payment.objects.filter(payment_guid="big-100").exists()
    assert Payment.objects.filter(payment_guid="declined").exists()   # no balance effect, imported


def test_payments_past_the_amount_paid_column_are_errors_on_their_rows(watersmart):
    account = Account.objects.get(biller=watersmart, account_number="1002")
    Account.objects.filter(pk=account.pk).update(current_balance=Decimal("900000000000.00"))
    Invoice.objects.create(biller=watersmart, account=account, invoice_number="555", total_amount_due=Decimal("1.00"),
                           invoice_date="2025-03-01", due_date="2025-03-20", amount_paid=Decimal("999999999000.00"),
                           invoice_type_id=1)
    data = make_csv("payments", rows(1, AccountNumber="1002", InvoiceNumber="555"))
    checked = validate("payments", watersmart, data)   # the admin's dry run says the same
    assert [str(e) for e in checked.errors] == [
        "line 2, PaymentAmount: after this payment invoice 555's amount paid would be 1009999998999.99; "
        "it holds at most 999999999999.99 either way"]
    result = import_activity("payments", watersmart, data)
    assert result.imported == 0 and len(result.errors) == 1
