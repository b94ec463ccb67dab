"""Two RemoteAuthentication calls for the same unknown e-mail at the same instant (#29 = 1):
one customer, both signed in (PostgreSQL, two real connections)."""
import pytest
from django.db import connection
from django.test import Client

from ledger.models import Customer, CustomerAccount
from tests.support.database import database_left_as_found  # noqa: F401
from tests.support.partner_api import account, call, key_for, set_create_customer
from tests.support.races import run_together


@pytest.mark.postgresql
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serializes writers: no race to test")
def test_two_sign_ins_at_once_create_one_customer(database_left_as_found, committed_db, demo):
    account()
    set_create_customer("demo-watersmart", "1")
    key = key_for()
    body = {"EmailAddress": "twins@example.com", "Password": "pw", "AccountNumber": "1001"}

    def sign_in():
        response = call(Client(), "RemoteAuthentication", body, key)
        return response.status_code, response.json()

    answers = run_together(sign_in, sign_in)
    assert sorted(status for status, _ in answers) == [200, 200]
    assert sorted(answer["Created"] for _, answer in answers) == [False, True]
    assert len({answer["CustomerGUID"] for _, answer in answers}) == 1
    assert Customer.objects.count() == 1 and CustomerAccount.objects.count() == 1
