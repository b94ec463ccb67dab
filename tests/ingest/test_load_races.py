"""Exactly-once loads under concurrency (issue 10, item 1), on PostgreSQL with two real
connections started at the same instant: the same file approved and loaded twice at once is
loaded once (the other is failed as a duplicate of it); one load approved twice at once is
loaded once; two different files on the same accounts both apply."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import connection

from billers.models import Biller
from ingest import pipeline
from ingest.lifecycle import StateRefused
from ingest.models import AdjustmentApplied, Load, LoadStatus
from ledger.models import Account
from tests.support.races import run_together

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's test database has no row locks"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # groups come back
]

ACCOUNTS = [f"77{n:05d}" for n in range(300)]
CODE = "watersmart.adjustment"


@pytest.fixture
def biller(demo):
    biller = Biller.objects.get(slug="demo-watersmart")
    Account.objects.bulk_create(Account(biller=biller, account_number=number, customer_name="Race Test",
                                        current_balance=Decimal("100.00")) for number in ACCOUNTS)
    return biller


def adjustment_file(amount, name="adjust.csv"):
    """Type 1 (add the amount) on every test account."""
    lines = ["AccountNumber,CustomerName,AdjustmentAmount,AdjustmentTypeID,PastDue"]
    lines += [f"{number},Race Test,{amount},1," for number in ACCOUNTS]
    return ContentFile(("\r\n".join(lines) + "\r\n").encode(), name=name)


def parsed_load(biller, content, username):
    load = pipeline.upload(biller, CODE, content, User.objects.get(username=username))
    load = pipeline.parse_load(load.pk)
    assert load.status == LoadStatus.PARSED, load.failure
    return load


def approve_and_load(load_id, username):
    def go():
        user = User.objects.get(username=username)
        load = Load.objects.get(pk=load_id)
        pipeline.approve(load, user)
        return pipeline.start_load(load, user).status
    return go


def balances(biller):
    return set(Account.objects.filter(biller=biller, account_number__in=ACCOUNTS)
               .values_list("current_balance", flat=True))


def test_it_loads_the_same_file_once_when_two_people_approve_it_at_the_same_instant(biller):
    first = parsed_load(biller, adjustment_file("5.00"), "support")
    second = parsed_load(biller, adjustment_file("5.00", "again.csv"), "support2")
    assert first.duplicate_of is None and second.duplicate_of is None   # nothing loaded yet

    outcomes = run_together(approve_and_load(first.pk, "support2"), approve_and_load(second.pk, "support"))

    assert balances(biller) == {Decimal("105.00")}
    loads = {load.pk: load for load in Load.objects.filter(pk__in=[first.pk, second.pk])}
    loaded = [load for load in loads.values() if load.status == LoadStatus.LOADED]
    failed = [load for load in loads.values() if load.status != LoadStatus.LOADED]
    assert len(loaded) == 1 and len(failed) == 1, outcomes
    winner, loser = loaded[0], failed[0]
    assert loser.status == LoadStatus.LOAD_FAILED and loser.duplicate_of_id == winner.pk
    assert f"already loaded as load {winner.pk}" in loser.failure and "duplicate override" in loser.failure
    assert AdjustmentApplied.objects.filter(load=loser).count() == 0
    assert AdjustmentApplied.objects.filter(load=winner).count() == len(ACCOUNTS)


def test_it_loads_a_load_once_when_it_is_approved_twice_at_the_same_instant(biller):
    load = parsed_load(biller, adjustment_file("5.00"), "im")

    outcomes = run_together(approve_and_load(load.pk, "support"), approve_and_load(load.pk, "support2"))

    assert balances(biller) == {Decimal("105.00")}
    assert sorted(map(str, outcomes)).count(LoadStatus.LOADED) == 1, outcomes
    assert sum(isinstance(o, StateRefused) for o in outcomes) == 1, outcomes
    load.refresh_from_db()
    assert load.status == LoadStatus.LOADED
    assert list(load.events.filter(to_status=LoadStatus.APPROVED).values_list("user__username", flat=True)) \
        in (["support"], ["support2"])
    assert AdjustmentApplied.objects.filter(load=load).count() == len(ACCOUNTS)


def test_it_applies_both_of_two_different_files_loaded_at_the_same_instant(biller):
    plus_five = parsed_load(biller, adjustment_file("5.00"), "support")
    plus_seven = parsed_load(biller, adjustment_file("7.00"), "support2")

    outcomes = run_together(approve_and_load(plus_five.pk, "support2"), approve_and_load(plus_seven.pk, "support"))

    assert outcomes == [LoadStatus.LOADED, LoadStatus.LOADED]
    assert balances(biller) == {Decimal("112.00")}
    applied = AdjustmentApplied.objects.filter(account__account_number=ACCOUNTS[0]).order_by("pk")
    steps = [(a.previous_balance, a.new_balance) for a in applied]
    assert steps in ([(Decimal("100.00"), Decimal("105.00")), (Decimal("105.00"), Decimal("112.00"))],
                     [(Decimal("100.00"), Decimal("107.00")), (Decimal("107.00"), Decimal("112.00"))])


def test_two_invoice_files_creating_the_same_accounts_at_the_same_instant_both_load(biller):
    def invoices(first_invoice, amount):
        lines = [f"99{n:04d},New Customer,1 Main St,,Fresno,CA,93701,01/15/2025,02/05/2025,{amount},,"
                 f"{first_invoice + n},1" for n in range(200)]
        return ContentFile(("\n".join(lines) + "\n").encode(), name=f"invoices-{first_invoice}.csv")

    def parsed(content, username):
        load = pipeline.upload(biller, "watersmart.invoice", content, User.objects.get(username=username))
        load = pipeline.parse_load(load.pk)
        assert load.status == LoadStatus.PARSED and load.plan["accounts"]["new"] == 200, load.failure
        return load

    january = parsed(invoices(7100000, "10.00"), "support")
    february = parsed(invoices(7200000, "20.00"), "support2")

    outcomes = run_together(approve_and_load(january.pk, "support2"), approve_and_load(february.pk, "support"))

    assert outcomes == [LoadStatus.LOADED, LoadStatus.LOADED], [Load.objects.get(pk=pk).failure
                                                                for pk in (january.pk, february.pk)]
    accounts = Account.objects.filter(biller=biller, account_number__startswith="99")
    assert accounts.count() == 200
    assert set(accounts.values_list("invoices__written_by_load", flat=True)) <= {january.pk, february.pk}
    assert accounts.get(account_number="990000").invoices.count() == 2
