"""Activity import (FORMATS.md section 8) through exports.activity and the command."""
import csv
import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from exports.activity import FileRefused, import_activity, validate
from ledger.models import Account, AccountChange, AchReject, Payment
from tests.shared import shared
from tests.support.activity import CSV_HEADERS, make_csv, payment_row

ACH_CODES = str(shared("corpora", "ach-moov-io", "ach_return_reason_codes.csv"))


def balance(biller, number):
    return Account.objects.get(biller=biller, account_number=number).current_balance


def test_it_imports_payments_in_any_column_order_and_lowers_balances(watersmart):
    header = list(reversed(CSV_HEADERS["payments"]))
    rows = [payment_row(PaymentGUID="a", PaymentAmount="10.50"),
            payment_row(PaymentGUID="b", PaymentAmount="4.50", Offline="True", CardBrand="", PaymentTypeID="2"),
            payment_row(PaymentGUID="c", PaymentAmount="99", Status="declined"),
            payment_row(PaymentGUID="d", AccountNumber="1002", PaymentAmount="1.00", Status="voided")]
    result = import_activity("payments", watersmart, make_csv("payments", rows, header))
    assert (result.rows, result.imported, result.errors) == (4, 4, [])
    assert balance(watersmart, "1001") == Decimal("85.00")  # 100 - 10.50 - 4.50 (declined: unchanged)
    assert balance(watersmart, "1002") == Decimal("100.00")
    a = Payment.objects.get(payment_guid="a")
    assert a.paid_at == datetime.datetime(2025, 3, 9, 20, 0, tzinfo=datetime.timezone.utc)
    assert a.approved and a.balance_lowered and a.card_brand == "VISA"
    assert not Payment.objects.get(payment_guid="c").balance_lowered


def test_it_reports_unknown_accounts_and_repeated_references_with_their_lines(watersmart):
    import_activity("payments", watersmart, make_csv("payments", [payment_row(PaymentGUID="old")]))
    text = make_csv("payments", [
        payment_row(PaymentGUID="new-1"),
        payment_row(PaymentGUID="x", AccountNumber="9999"),
        payment_row(PaymentGUID="old"),
        payment_row(PaymentGUID="new-1", CustomerName="Two\nlines"),
        payment_row(PaymentGUID="new-2", PaymentDate="2025-03-09T12:00:00"),
        payment_row(PaymentGUID="new-3", PaymentAmount="1.234", Status="pending"),
    ])
    result = import_activity("payments", watersmart, text)
    assert result.imported == 1
    assert [str(e) for e in result.errors] == [
        "line 3, AccountNumber: '9999' is not an account of biller demo-watersmart",
        "line 4, PaymentGUID: 'old' was already imported",
        "line 5, PaymentGUID: 'new-1' repeats line 2",  # the quoted name spans lines 5-6
        "line 7, PaymentDate: '2025-03-09T12:00:00' has no UTC offset (add e.g. -08:00 or Z)",
        "line 8, PaymentAmount: '1.234' has more than two decimals",
        "line 8, Status: 'pending' is not one of approved, declined, voided, reversed",
    ]
    assert balance(watersmart, "1001") == Decimal("80.00")


def test_it_imports_everything_in_one_transaction(watersmart, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    # after the payments are written (and, on SQLite, the balances changed batch by batch)
    monkeypatch.setattr("exports.activity.PaidAmounts.apply", fail)
    with pytest.raises(RuntimeError):
        import_activity("payments", watersmart, make_csv("payments", [payment_row(PaymentGUID="a")]))
    assert not Payment.objects.exists() and balance(watersmart, "1001") == Decimal("100.00")


def test_it_updates_balances_with_one_query_not_one_per_row(watersmart, django_assert_max_num_queries):
    rows = [payment_row(PaymentGUID=f"g{i}", AccountNumber=f"100{i % 3 + 1}") for i in range(300)]
    text = make_csv("payments", rows)
    with django_assert_max_num_queries(20):
        result = import_activity("payments", watersmart, text)
    assert result.imported == 300
    assert balance(watersmart, "1001") == Decimal("100.00") - 100 * Decimal("10.00")


@pytest.mark.parametrize("header, message", [
    (["AccountNumber", "PaymentGUID", "Colour"], "line 1: unknown column 'Colour'"),
    (["AccountNumber", "PaymentGUID", "PaymentGUID"], "line 1: column 'PaymentGUID' appears twice"),
    (["AccountNumber", "PaymentGUID"], "line 1: missing column 'PaymentDate'"),
])
def test_it_refuses_a_bad_header(watersmart, header, message):
    with pytest.raises(FileRefused, match=message):
        validate("payments", watersmart, ",".join(header) + "\r\n")


def test_it_refuses_an_empty_or_non_utf8_file(watersmart):
    with pytest.raises(FileRefused, match="empty file"):
        validate("payments", watersmart, b"")
    with pytest.raises(FileRefused, match="not UTF-8 text"):
        validate("payments", watersmart, b"AccountNumber,Name\r\n\xff\xfe\r\n")


def test_it_reports_short_rows_and_broken_quotes_with_their_lines(watersmart):
    text = "AccountNumber,Kind,Value,At\r\n1001,email\r\n\r\n1001,phone,\"555\"x,2025-03-09T01:00:00Z\r\n" \
           "1001,autopay_signup,,2025-03-09T01:00:00Z\r\n"
    result = import_activity("changes", watersmart, text)
    assert [str(e) for e in result.errors] == [
        "line 2: expected 4 values (one per column), found 2",
        "line 4: not valid CSV (the quote closed on line 4 is followed by 'x', not by a comma or the end of "
        "the line; the row is line 4: '1001,phone,\"555\"x,2025-03-09T01:00:00Z')",
    ]
    assert result.imported == 1 and result.rows == 3


def test_a_name_left_open_is_one_error_naming_the_lines_it_swallowed_and_the_next_rows_still_import(watersmart):
    text = ("AccountNumber,Kind,Value,At\r\n1001,email,\"a@example.com,2025-03-09T01:00:00Z\r\n"
            "1002,email,\"b@example.com\",2025-03-09T01:00:00Z\r\n1001,phone,555-0100,2025-03-09T01:00:00Z\r\n")
    result = import_activity("changes", watersmart, text)
    assert [str(e) for e in result.errors] == [
        "line 2: not valid CSV (the quote closed on line 3 is followed by 'b', not by a comma or the end of the "
        "line; the row is lines 2-3: '1001,email,\"a@example.com,2025-03-09T01:00:00Z\\r\\n1002,email,"
        "\"b@example.com\",2025-03-09T01:00:00Z')"]
    assert (result.rows, result.imported) == (2, 1)
    assert list(AccountChange.objects.values_list("account__account_number", "kind")) == [("1001", "phone")]


def test_it_imports_rejects_with_ach_return_codes(watersmart):
    with open(ACH_CODES, newline="") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    rows = [{"TransactionDate": "2025-03-01", "RejectDate": "2025-03-09", "AccountNumber": "1001", "Amount": "12.50",
             "Code": code.lower(), "ReferenceNumber": f"RN-{code}"} for code in codes]
    rows.append({**rows[0], "Code": "R99", "ReferenceNumber": "RN-bad"})
    rows.append({**rows[0], "RejectDate": "03/09/2025", "ReferenceNumber": "RN-date"})
    result = import_activity("rejects", watersmart, make_csv("rejects", rows))
    assert result.imported == len(codes)
    assert set(AchReject.objects.values_list("code", flat=True)) == set(codes)
    assert [str(e) for e in result.errors] == [
        f"line {len(codes) + 2}, Code: 'R99' is not an ACH return reason code (R01 to R85)",
        f"line {len(codes) + 3}, RejectDate: '03/09/2025' is not an ISO date (YYYY-MM-DD)",
    ]


def test_it_checks_the_value_of_each_change_kind(watersmart):
    rows = [{"AccountNumber": "1001", "Kind": "email", "Value": "new@example.com", "At": "2025-03-09T01:00:00Z"},
            {"AccountNumber": "1001", "Kind": "email", "Value": "", "At": "2025-03-09T01:00:00Z"},
            {"AccountNumber": "1001", "Kind": "phone", "Value": "555-0100-0100-0100", "At": "2025-03-09T01:00:00Z"},
            {"AccountNumber": "1001", "Kind": "paperless_signup", "Value": "yes", "At": "2025-03-09T01:00:00Z"},
            {"AccountNumber": "1001", "Kind": "moved", "Value": "", "At": "2025-03-09T01:00:00Z"}]
    result = import_activity("changes", watersmart, make_csv("changes", rows))
    assert result.imported == 1 and AccountChange.objects.get().value == "new@example.com"
    assert [str(e) for e in result.errors] == [
        "line 3, Value: the new email is required for email",
        "line 4, Value: '555-0100-0100-0100' is longer than 15 characters",
        "line 5, Value: 'yes' must be blank for paperless_signup",
        "line 6, Kind: 'moved' is not one of autopay_signup, autopay_cancel, email, phone, paperless_signup, "
        "paperless_cancel",
    ]


def test_the_command_prints_one_json_object(watersmart, tmp_path, capsys):
    path = tmp_path / "payments.csv"
    path.write_text(make_csv("payments", [payment_row(), payment_row(PaymentGUID="g-2", AccountNumber="nope")]))
    call_command("import_activity", "payments", str(path), "--biller", "demo-watersmart")
    out = json.loads(capsys.readouterr().out)
    assert out["imported"] == 1 and out["rows"] == 2 and out["error_rows"] == 1
    assert out["errors"] == [{"line": 3, "field": "AccountNumber",
                              "message": "line 3, AccountNumber: 'nope' is not an account of biller demo-watersmart"}]


@pytest.mark.parametrize("args, message", [
    (["payments", "{missing}", "--biller", "demo-watersmart"], "import_activity: cannot read"),
    (["payments", "{good}", "--biller", "nobody"], "import_activity: unknown biller 'nobody'"),
    (["payments", "{bad}", "--biller", "demo-watersmart"], "unknown column 'Colour'"),
])
def test_the_command_exits_2_with_one_line_when_refused(watersmart, tmp_path, capsys, args, message):
    (tmp_path / "good.csv").write_text(make_csv("payments", []))
    (tmp_path / "bad.csv").write_text("AccountNumber,Colour\r\n")
    paths = {"missing": tmp_path / "missing.csv", "good": tmp_path / "good.csv", "bad": tmp_path / "bad.csv"}
    with pytest.raises(SystemExit) as exit_:
        call_command("import_activity", *[a.format(**paths) for a in args])
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and len(captured.err.strip().splitlines()) == 1


def test_approved_payments_count_on_their_invoice_and_a_void_takes_them_back(demo):
    """An invoice with payments is never replaced by a load: the payments must be on it."""
    from billers.models import Biller
    from ledger.models import Invoice
    from exports.payments import void_payments

    biller = Biller.objects.get(slug="demo-watersmart")
    account = Account.objects.create(biller=biller, account_number="100234", customer_name="Smith",
                                     current_balance=Decimal("84.16"))
    invoice = Invoice.objects.create(biller=biller, account=account, invoice_number="5001001",
                                     invoice_date=datetime.date(2025, 1, 15), due_date=datetime.date(2025, 2, 5),
                                     total_amount_due=Decimal("84.16"), invoice_type_id=1)
    rows = [payment_row(AccountNumber="100234", InvoiceNumber="5001001", PaymentGUID="g-1", PaymentAmount="30.00"),
            payment_row(AccountNumber="100234", InvoiceNumber="5001001", PaymentGUID="g-2", PaymentAmount="4.16"),
            payment_row(AccountNumber="100234", InvoiceNumber="5001001", PaymentGUID="g-3", PaymentAmount="9.99",
                        Status="declined"),
            payment_row(AccountNumber="100234", InvoiceNumber="NO-SUCH", PaymentGUID="g-4", PaymentAmount="1.00")]
    result = import_activity("payments", biller, make_csv("payments", rows))
    assert result.imported == 4 and not result.errors
    invoice.refresh_from_db()
    account.refresh_from_db()
    assert invoice.amount_paid == Decimal("34.16")
    assert account.current_balance == Decimal("49.00")
    void_payments(Payment.objects.filter(payment_guid="g-1"), user=None)
    invoice.refresh_from_db()
    account.refresh_from_db()
    assert invoice.amount_paid == Decimal("4.16")
    assert account.current_balance == Decimal("79.00")
