"""The activity import reads its file as a stream, in batches written as they are read (issue
11): the errors, balances and rows written are those of reading the file whole, whatever
the batch boundaries; a file refused halfway leaves nothing written; the command streams
the file from disk."""
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

import exports.activity
from ledger.models import Account, Invoice, Payment
from exports.activity import FileRefused, import_activity, validate
from tests.support.activity import make_csv, payment_row

HUGE = "9999999999.99"


def balance(biller, number):
    return Account.objects.get(biller=biller, account_number=number).current_balance


def mixed_file():
    """Rows whose checks depend on rows several batches before them (batches of 2)."""
    return make_csv("payments", [
        payment_row(PaymentGUID="a", PaymentAmount="10.00"),                       # line 2
        payment_row(PaymentGUID="b", AccountNumber="1002", PaymentAmount="5.00"),  # line 3
        payment_row(PaymentGUID="c", AccountNumber="9999"),                        # line 4
        payment_row(PaymentGUID="old"),                                            # line 5
        payment_row(PaymentGUID="a", PaymentAmount="1.00"),                        # line 6: repeats line 2
        payment_row(PaymentGUID="d", PaymentAmount="20.00", InvoiceNumber="555"),  # line 7
        payment_row(PaymentGUID="e", PaymentAmount="30.00", InvoiceNumber="555"),  # line 8
        payment_row(PaymentGUID="f", Status="declined"),                           # line 9
    ])


EXPECTED_ERRORS = [
    "line 4, AccountNumber: '9999' is not an account of biller demo-watersmart",
    "line 5, PaymentGUID: 'old' was already imported",
    "line 6, PaymentGUID: 'a' repeats line 2",
]


@pytest.fixture
def invoice_555(watersmart):
    account = Account.objects.get(biller=watersmart, account_number="1001")
    return Invoice.objects.create(biller=watersmart, account=account, invoice_number="555",
                                  total_amount_due=Decimal("50.00"), invoice_date="2025-03-01",
                                  due_date="2025-03-20", invoice_type_id=1)


@pytest.mark.parametrize("batch", [1, 2, 3, 2_000])
def test_batches_of_any_size_give_the_errors_and_balances_of_the_whole_file(watersmart, invoice_555, monkeypatch,
                                                                            batch):
    import_activity("payments", watersmart, make_csv("payments", [payment_row(PaymentGUID="old")]))
    monkeypatch.setattr(exports.activity, "BATCH", batch)
    checked = validate("payments", watersmart, mixed_file())
    assert [str(e) for e in checked.errors] == EXPECTED_ERRORS
    assert [line for line, _, _ in checked.valid] == [2, 3, 7, 8, 9]
    result = import_activity("payments", watersmart, mixed_file())
    assert (result.rows, result.imported, [str(e) for e in result.errors]) == (8, 5, EXPECTED_ERRORS)
    assert sorted(Payment.objects.values_list("payment_guid", flat=True)) == ["a", "b", "d", "e", "f", "old"]
    assert balance(watersmart, "1001") == Decimal("30.00")   # 100 - 10 (old) - 10 - 20 - 30
    assert balance(watersmart, "1002") == Decimal("95.00")
    invoice_555.refresh_from_db()
    assert invoice_555.amount_paid == Decimal("50.00")


def test_the_balance_limit_counts_the_payments_of_earlier_batches(watersmart, monkeypatch):
    monkeypatch.setattr(exports.activity, "BATCH", 7)
    rows = [payment_row(PaymentGUID=f"big-{n}", PaymentAmount=HUGE) for n in range(101)]
    result = import_activity("payments", watersmart, make_csv("payments", rows))
    assert result.imported == 100
    assert [str(e) for e in result.errors] == [
        "line 102, PaymentAmount: after this payment the account's balance would be -1009999999898.99; "
        "it holds at most 999999999999.99 either way"]
    assert balance(watersmart, "1001") == Decimal("-999999999899.00")


def test_a_file_refused_in_a_later_batch_leaves_nothing_written(watersmart, monkeypatch):
    monkeypatch.setattr(exports.activity, "BATCH", 2)
    monkeypatch.setattr(exports.activity, "READ_BYTES", 64)
    good = make_csv("payments", [payment_row(PaymentGUID=f"g{n}") for n in range(10)]).encode()
    data = good + b"\xff" + make_csv("payments", [payment_row(PaymentGUID="z")]).split("\r\n", 1)[1].encode()
    with pytest.raises(FileRefused) as refused:
        import_activity("payments", watersmart, io.BytesIO(data))
    assert str(refused.value) == f"not UTF-8 text (byte 0xff at offset {len(good)})"
    assert not Payment.objects.exists() and balance(watersmart, "1001") == Decimal("100.00")


def test_a_stream_says_what_bytes_say(watersmart, monkeypatch):
    monkeypatch.setattr(exports.activity, "READ_BYTES", 5)  # a character split between two reads
    text = "\ufeff" + make_csv("payments", [payment_row(PaymentGUID="é-1", CustomerName="Zoë Ñandú")])
    assert import_activity("payments", watersmart, io.BytesIO(text.encode()), keep_objects=False).imported == 1
    assert Payment.objects.get().customer_name == "Zoë Ñandú"
    bad = "\ufeffAccountNumber,Kind,Value,At\r\n".encode() + "Zoë".encode() + b"\xe9x\r\n"
    for data in (bad, io.BytesIO(bad)):
        with pytest.raises(FileRefused) as refused:
            validate("changes", watersmart, data)
        assert str(refused.value) == "not UTF-8 text (byte 0xe9 at offset 33)"   # counted after the BOM


def test_without_kept_objects_the_result_counts_the_rows_it_wrote(watersmart):
    rows = [payment_row(PaymentGUID=f"g{n}") for n in range(5)]
    result = import_activity("payments", watersmart, make_csv("payments", rows), keep_objects=False)
    assert (result.imported, result.objects, Payment.objects.count()) == (5, [], 5)


def test_the_command_streams_the_file_from_disk(watersmart, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(exports.activity, "BATCH", 3)
    monkeypatch.setattr(exports.activity, "READ_BYTES", 100)
    path = tmp_path / "payments.csv"
    path.write_bytes(mixed_file().encode())
    call_command("import_activity", "payments", str(path), "--biller", "demo-watersmart")
    report = json.loads(capsys.readouterr().out)
    assert (report["rows"], report["imported"], report["error_rows"]) == (8, 6, 2)
    assert [e["message"] for e in report["errors"]] == EXPECTED_ERRORS[:1] + ["line 6, PaymentGUID: 'a' repeats line 2"]
    assert balance(watersmart, "1001") == Decimal("30.00")   # 100 - 10 - 10 (old: new here) - 20 - 30
