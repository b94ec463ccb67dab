"""A reversal racing a new load of the same biller, on PostgreSQL with two real connections
released together: both take the biller's lock, so either the reversal runs first (the new
load then applies to the restored balances) or the load does (the reversal is then refused,
naming the accounts the later load touched). Either way the ledger is consistent."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import connection

from billers.models import Biller
from ledger.models import Account
from ingest import pipeline
from ingest.models import Load, LoadStatus
from tests.support.races import run_together

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's test database has no row locks"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ACCOUNTS = [f"78{n:05d}" for n in range(200)]
CODE = "watersmart.adjustment"


def adjustment_file(amount, name):
    """Type 1 (add the amount) on every test account."""
    lines = ["AccountNumber,CustomerName,AdjustmentAmount,AdjustmentTypeID,PastDue"]
    lines += [f"{number},Race Test,{amount},1," for number in ACCOUNTS]
    return ContentFile(("\r\n".join(lines) + "\r\n").encode(), name=name)


def parsed(biller, amount, name):
    load = pipeline.upload(biller, CODE, adjustment_file(amount, name), User.objects.get(username="support"))
    load = pipeline.parse_load(load.pk)
    assert load.status == LoadStatus.PARSED, load.failure
    return load


def balances(biller):
    return set(Account.objects.filter(biller=biller, account_number__in=ACCOUNTS)
               .values_list("current_balance", flat=True))


def test_a_reversal_racing_a_new_load_of_the_same_biller_ends_consistent(demo):
    biller = Biller.objects.get(slug="demo-watersmart")
    Account.objects.bulk_create(Account(biller=biller, account_number=number, customer_name="Race Test",
                                        current_balance=Decimal("100.00")) for number in ACCOUNTS)
    support, support2 = (User.objects.get(username=name) for name in ("support", "support2"))
    first = parsed(biller, "10.00", "first.csv")
    pipeline.approve(first, support2)
    assert pipeline.run_load(first.pk, support2.pk).status == LoadStatus.LOADED
    assert balances(biller) == {Decimal("110.00")}
    pipeline.reverse(first, support, "wrong amounts")           # confirmed (no four eyes), not run yet
    second = parsed(biller, "5.00", "second.csv")
    pipeline.approve(second, support2)

    run_together(lambda: pipeline.run_reversal(first.pk, support.pk),
                 lambda: pipeline.run_load(second.pk, support2.pk))

    first, second = Load.objects.get(pk=first.pk), Load.objects.get(pk=second.pk)
    assert second.status == LoadStatus.LOADED, second.failure
    if first.status == LoadStatus.REVERSED:      # the reversal went first: 100, then + 5
        assert balances(biller) == {Decimal("105.00")}
        assert second.adjustments.filter(previous_balance=Decimal("100.00")).count() == len(ACCOUNTS)
    else:                                         # the load went first: 110 + 5, the reversal refused
        assert first.status == LoadStatus.LOADED
        assert first.failure.startswith(f"reversal refused: load {first.pk} cannot be reversed")
        assert f"200 accounts by later loads {second.pk} ({ACCOUNTS[0]}, " in first.failure
        assert balances(biller) == {Decimal("115.00")}
    assert first.events.filter(to_status="reversing").count() == 1
