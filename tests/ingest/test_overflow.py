"""No whole-file failure from one value (issue 10, item 6): totals and balances derived from
valid amounts never overflow their columns. A load's total holds any file's total; a balance
that an adjustment would push past its column is an error on that record, naming the value
and the limit. Both databases."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile

from billers.models import Biller
from ingest import pipeline
from ingest.models import Load, LoadStatus
from ingest.reports import ic_file
from ledger.models import Account, Invoice
from tests.ingest.test_ingest_command import ingest, last_json

HUGE = "9999999999.99"   # the largest amount FORMATS.md 2 accepts (10 digits before the point)
COUNT = 10_001


def huge_invoices(path):
    lines = [f"{500000 + n},Big Spender,1 Main St,,Fresno,CA,93701,01/15/2025,02/05/2025,{HUGE},,{800000 + n},1"
             for n in range(COUNT)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.django_db
def test_ten_thousand_and_one_invoices_of_the_largest_amount_parse_and_load(demo, tmp_path):
    code, out, err = ingest(huge_invoices(tmp_path / "huge.csv"), "--biller", "demo-watersmart",
                            "--format", "watersmart.invoice", "--user", "support", "--approve")
    assert code == 0, err
    assert "Traceback" not in err and "internal error" not in err
    result = last_json(out)
    assert result["status"] == "loaded"
    total = Decimal(HUGE) * COUNT
    assert result["summary"]["ok"] == COUNT and result["summary"]["total_amount"] == f"{total:.2f}"
    load = Load.objects.get()
    assert load.header["TotalInvoiceAmount"] == f"{total:.2f}"
    assert abs(load.total_amount - total) < 1   # exact on PostgreSQL; SQLite keeps 15 digits
    assert Invoice.objects.filter(total_amount_due=Decimal(HUGE)).count() == COUNT
    header = next(ic_file(load))
    assert header.startswith("FH,") and f",{COUNT},{total:.2f}" in header


def adjust(biller, lines, username="support"):
    content = ContentFile(("\n".join(lines) + "\n").encode(), name="adjust.csv")
    load = pipeline.upload(biller, "watersmart.adjustment", content, User.objects.get(username=username))
    return pipeline.parse_load(load.pk)


MOST = "999999999999.99"  # the largest balance (Account.current_balance: 14 digits, 2 decimals)


@pytest.mark.django_db
def test_a_balance_an_adjustment_would_push_past_its_column_is_an_error_on_that_record(demo):
    biller = Biller.objects.get(slug="demo-watersmart")
    for number, balance in [("600001", MOST), ("600002", "-" + MOST), ("600003", "5.00"), ("600004", MOST)]:
        Account.objects.create(biller=biller, account_number=number, current_balance=Decimal(balance))
    load = adjust(biller, [f"600001,A,{HUGE},1,", f"600002,B,-{HUGE},1,", f"600003,C,{HUGE},1,",
                           f"600004,D,-{HUGE},2,"])   # type 2: a difference past its column
    assert load.status == LoadStatus.PARSED, load.failure
    assert (load.ok_count, load.error_count) == (1, 3)
    errors = {r.account_number: r.errors for r in load.records.filter(status="error")}
    assert errors["600001"] == [{"field": "AdjustmentAmount", "message":
                                 "the balance after this adjustment would be 1009999999999.98; "
                                 "a balance holds at most 999999999999.99 either way"}]
    assert "would be -1009999999999.98;" in errors["600002"][0]["message"]
    assert "would be -9999999999.99;" in errors["600004"][0]["message"]
    assert load.error_fields["AdjustmentAmount"]["count"] == 3
    pipeline.approve(load, User.objects.get(username="support2"), acknowledge_errors=True)
    load = pipeline.run_load(load.pk)
    assert load.status == LoadStatus.LOADED, load.failure
    balances = dict(Account.objects.filter(biller=biller, account_number__startswith="6000")
                    .values_list("account_number", "current_balance"))
    assert balances == {"600001": Decimal(MOST), "600002": Decimal("-" + MOST),
                        "600003": Decimal("10000000004.99"), "600004": Decimal(MOST)}


@pytest.mark.django_db
def test_a_balance_that_grew_past_the_column_after_the_preview_fails_the_load_cleanly(demo):
    biller = Biller.objects.get(slug="demo-watersmart")
    account = Account.objects.create(biller=biller, account_number="600009", current_balance=Decimal("0.00"))
    load = adjust(biller, [f"600009,A,{HUGE},1,"])
    assert load.ok_count == 1
    Account.objects.filter(pk=account.pk).update(current_balance=Decimal("999999999999.00"))
    pipeline.approve(load, User.objects.get(username="support2"))
    load = pipeline.run_load(load.pk)
    assert load.status == LoadStatus.LOAD_FAILED
    assert "line 1, AdjustmentAmount: the balance after this adjustment would be 1009999999998.99" in load.failure
    assert "internal error" not in load.failure
    account.refresh_from_db()
    assert account.current_balance == Decimal("999999999999.00")
