"""Fixtures of the exports tests: the demo billers with three accounts each, and the users.
File helpers are in tests/support/activity.py."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from billers.demo import seed_demo
from billers.models import Biller
from ledger.models import Account


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
