"""Each partner API endpoint: success, a 400 naming the field, 401 without a key, 403 with
another biller's key, 429 past the key's rate; sessions that expire; #29 on and off."""
import datetime

import pytest
from django.utils import timezone

from api.models import ApiCall
from ledger.models import AccountChange, Customer, CustomerAccount, CustomerSession, Invoice
from tests.support.partner_api import account, biller, call, key_for, set_create_customer

SIGN_IN = {"EmailAddress": "joe@example.com", "Password": "s3cret!", "AccountNumber": "1001"}


@pytest.fixture
def key(demo):
    account()
    account(number="1002")
    return key_for()


@pytest.fixture
def session(client, key):
    answer = call(client, "RemoteAuthentication", SIGN_IN, key).json()
    return answer


def make_invoice():
    return Invoice.objects.create(biller=biller(), account=account(), invoice_number="5001001",
                                  invoice_date=datetime.date(2025, 1, 15), due_date=datetime.date(2025, 2, 5),
                                  total_amount_due="84.16", balance_due="84.16", invoice_type_id=1)


# operation -> (a good body given the session, a bad body, the field the 400 names)
def bodies(operation, s):
    guid, token = s["CustomerGUID"], s["SessionToken"]
    return {
        "RemoteAuthentication": (SIGN_IN, {**SIGN_IN, "EmailAddress": "not-an-address"}, "EmailAddress"),
        "KeepRemoteSessionAlive": ({"SessionToken": token}, {"SessionToken": ""}, "SessionToken"),
        "RemoteRegistration": ({**SIGN_IN, "Password": "n3w"}, {**SIGN_IN, "AccountNumber": "9999"}, "AccountNumber"),
        "LinkCustomerAccount": ({"CustomerGUID": guid, "AccountNumber": "1002"},
                                {"CustomerGUID": "not-a-guid", "AccountNumber": "1002"}, "CustomerGUID"),
        "UnregisterAccounts": ({"CustomerGUID": guid, "AccountNumbers": ["1001"]},
                               {"CustomerGUID": guid, "AccountNumbers": []}, "AccountNumbers"),
        "SetCustomerEmailAddress": ({"CustomerGUID": guid, "EmailAddress": "new@example.com"},
                                    {"CustomerGUID": guid, "EmailAddress": "new@"}, "EmailAddress"),
        "SetInvoiceBalance": ({"AccountNumber": "1001", "InvoiceNumber": "5001001", "BalanceDue": "0.00"},
                              {"AccountNumber": "1001", "InvoiceNumber": "5001001", "BalanceDue": "abc"},
                              "BalanceDue"),
        "RetrieveCustomerGUID": ({"SessionToken": token}, {}, "SessionToken"),
        "RetrieveCustomerAccount": ({"SessionToken": token}, {"SessionToken": 12}, "SessionToken"),
        "CustomerPortalRedirect": ({"SessionToken": token, "RedirectCode": 3},
                                   {"SessionToken": token, "RedirectCode": 4}, "RedirectCode"),
    }[operation]


OPERATIONS = ["RemoteAuthentication", "KeepRemoteSessionAlive", "RemoteRegistration", "LinkCustomerAccount",
              "UnregisterAccounts", "SetCustomerEmailAddress", "SetInvoiceBalance", "RetrieveCustomerGUID",
              "RetrieveCustomerAccount", "CustomerPortalRedirect"]


@pytest.fixture
def ready(session):
    """Everything every operation's success needs: a demo biller with a portal URL and an invoice."""
    target = biller()
    target.demo = True
    target.customer_portal_url = "https://pay.example.com/watersmart"
    target.save()
    make_invoice()
    return session


@pytest.mark.parametrize("operation", OPERATIONS)
def test_it_answers_200_with_pascal_case_json(client, key, ready, operation):
    good, _, _ = bodies(operation, ready)
    response = call(client, operation, good, key)
    assert response.status_code == 200, response.content
    assert response.json() and all(name[0].isupper() for name in response.json())


@pytest.mark.parametrize("operation", OPERATIONS)
def test_it_answers_400_naming_the_field(client, key, ready, operation):
    _, bad, field = bodies(operation, ready)
    response = call(client, operation, bad, key)
    assert response.status_code == 400, response.content
    assert response.json()["Field"] == field
    assert response.json()["Error"].startswith(f"{field}:")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_it_answers_401_without_a_key_or_with_a_revoked_one(client, key, ready, operation):
    good, _, _ = bodies(operation, ready)
    assert call(client, operation, good).status_code == 401
    assert call(client, operation, good, "icp_not-a-key").status_code == 401
    from api.keys import find_key, revoke_key

    revoke_key(find_key(key))
    assert call(client, operation, good, key).json()["Field"] == "Authorization"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_it_answers_403_to_another_billers_key(client, key, ready, operation):
    good, _, _ = bodies(operation, ready)
    incode_key = key_for("demo-incode")
    response = call(client, operation, good, incode_key)
    assert response.status_code == 403
    assert "belongs to biller demo-incode" in response.json()["Error"]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_it_answers_429_past_the_keys_rate(client, ready, operation):
    good, _, _ = bodies(operation, ready)
    limited = key_for(requests_per_minute=2)
    statuses = [call(client, operation, good, limited).status_code for _ in range(3)]
    assert statuses[2] == 429 and 429 not in statuses[:2]
    assert call(client, operation, good, key_for()).status_code != 429  # another key has its own rate


@pytest.mark.parametrize("operation", ["KeepRemoteSessionAlive", "RetrieveCustomerGUID", "RetrieveCustomerAccount",
                                       "CustomerPortalRedirect"])
def test_an_expired_session_is_refused(client, key, ready, operation):
    CustomerSession.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    good, _, _ = bodies(operation, ready)
    response = call(client, operation, good, key)
    assert response.status_code == 401
    assert response.json()["Field"] == "SessionToken" and "expired" in response.json()["Error"]


def test_keep_alive_moves_the_expiry_on(client, key, session):
    row = CustomerSession.objects.get()
    row.expires_at = timezone.now() + datetime.timedelta(seconds=30)
    row.save()
    answer = call(client, "KeepRemoteSessionAlive", {"SessionToken": session["SessionToken"]}, key).json()
    row.refresh_from_db()
    assert row.expires_at > timezone.now() + datetime.timedelta(minutes=19)
    assert answer["ExpiresAt"].startswith(row.expires_at.isoformat()[:19])


@pytest.mark.parametrize("value", ["0", None])
def test_without_29_an_unknown_customer_is_refused(client, key, value):
    set_create_customer("demo-watersmart", value)
    response = call(client, "RemoteAuthentication", SIGN_IN, key)
    assert response.status_code == 403
    assert response.json()["Field"] == "EmailAddress" and "#29" in response.json()["Error"]
    assert not Customer.objects.exists()


def test_with_29_an_unknown_customer_is_created_and_linked(client, key):
    set_create_customer("demo-watersmart", "1")
    answer = call(client, "RemoteAuthentication", SIGN_IN, key).json()
    customer = Customer.objects.get(guid=answer["CustomerGUID"])
    assert answer["Created"] is True and customer.email == "joe@example.com"
    assert customer.password != "s3cret!" and customer.check_password("s3cret!")
    assert list(CustomerAccount.objects.values_list("account__account_number", flat=True)) == ["1001"]
    again = call(client, "RemoteAuthentication", SIGN_IN, key).json()
    assert again["Created"] is False and again["CustomerGUID"] == answer["CustomerGUID"]
    assert again["SessionToken"] != answer["SessionToken"]


def test_a_wrong_password_is_refused(client, key, session):
    response = call(client, "RemoteAuthentication", {**SIGN_IN, "Password": "guess"}, key)
    assert response.status_code == 403 and response.json()["Field"] == "Password"


def test_an_account_the_ledger_lacks_is_refused_by_name(client, key):
    response = call(client, "RemoteAuthentication", {**SIGN_IN, "AccountNumber": "777"}, key)
    assert response.status_code == 400
    assert response.json()["Error"] == "AccountNumber: account '777' not found for biller demo-watersmart"


def test_registration_changes_the_password(client, key, session):
    call(client, "RemoteRegistration", {**SIGN_IN, "Password": "n3w-pass"}, key)
    assert Customer.objects.get().check_password("n3w-pass")
    assert call(client, "RemoteAuthentication", SIGN_IN, key).status_code == 403


def test_link_and_unregister_change_the_customers_accounts(client, key, session):
    guid = session["CustomerGUID"]
    linked = call(client, "LinkCustomerAccount", {"CustomerGUID": guid, "AccountNumber": "1002"}, key).json()
    assert linked["AccountNumbers"] == ["1001", "1002"]
    left = call(client, "UnregisterAccounts", {"CustomerGUID": guid, "AccountNumbers": ["1001"]}, key).json()
    assert left["AccountNumbers"] == ["1002"]
    assert list(CustomerAccount.objects.values_list("account__account_number", flat=True)) == ["1002"]


def test_an_unknown_customer_guid_is_404(client, key):
    response = call(client, "LinkCustomerAccount",
                    {"CustomerGUID": "00000000-0000-0000-0000-000000000000", "AccountNumber": "1001"}, key)
    assert response.status_code == 404 and response.json()["Field"] == "CustomerGUID"


def test_an_email_change_is_one_email_event_at_the_time_of_the_call(client, key, session):
    AccountChange.objects.all().delete()
    before = timezone.now()
    body = {"CustomerGUID": session["CustomerGUID"], "EmailAddress": "joe.new@example.com"}
    assert call(client, "SetCustomerEmailAddress", body, key).json()["Changed"] is True
    assert call(client, "SetCustomerEmailAddress", body, key).json()["Changed"] is False
    [change] = AccountChange.objects.all()
    assert (change.kind, change.value, change.account.account_number) == ("email", "joe.new@example.com", "1001")
    assert before <= change.at <= timezone.now()
    assert Customer.objects.get().email == "joe.new@example.com"


def test_an_email_of_another_customer_is_refused(client, key, session):
    call(client, "RemoteRegistration", {**SIGN_IN, "EmailAddress": "ann@example.com"}, key)
    body = {"CustomerGUID": session["CustomerGUID"], "EmailAddress": "ANN@example.com"}
    response = call(client, "SetCustomerEmailAddress", body, key)
    assert response.status_code == 400 and "belongs to another customer" in response.json()["Error"]


def test_set_invoice_balance_is_refused_for_billers_not_marked_demo(client, key, session):
    invoice = make_invoice()
    body = {"AccountNumber": "1001", "InvoiceNumber": "5001001", "BalanceDue": "0.00"}
    response = call(client, "SetInvoiceBalance", body, key)
    assert response.status_code == 403 and "not an IC demo biller" in response.json()["Error"]
    invoice.refresh_from_db()
    assert str(invoice.balance_due) == "84.16"


def test_set_invoice_balance_sets_a_demo_billers_invoice(client, key, ready):
    body = {"AccountNumber": "1001", "InvoiceNumber": "5001001", "BalanceDue": "12.50"}
    assert call(client, "SetInvoiceBalance", body, key).json() == {"InvoiceNumber": "5001001", "BalanceDue": "12.50"}
    assert str(Invoice.objects.get().balance_due) == "12.50"


def test_retrieve_answers_from_the_session_token(client, key, session):
    token = {"SessionToken": session["SessionToken"]}
    assert call(client, "RetrieveCustomerGUID", token, key).json() == {"CustomerGUID": session["CustomerGUID"]}
    answer = call(client, "RetrieveCustomerAccount", token, key).json()
    assert answer == {"CustomerGUID": session["CustomerGUID"], "AccountNumber": "1001", "AccountNumbers": ["1001"]}


@pytest.mark.parametrize("code, destination", [(2, "Customer Portal Paperless Settings"),
                                               (3, "Customer Portal AutoPay Settings"),
                                               (5, "Customer Portal Payment Options"),
                                               (8, "Customer Portal Open Bill Listing"),
                                               (9, "Customer Portal Scheduled Payments Listing"),
                                               (11, "Customer Portal Pay By Text Enrollment")])
def test_a_redirect_code_leads_to_the_billers_portal(client, key, ready, code, destination):
    body = {"SessionToken": ready["SessionToken"], "RedirectCode": code}
    answer = call(client, "CustomerPortalRedirect", body, key).json()
    assert answer["Destination"] == destination
    assert answer["RedirectUrl"] == (f"https://pay.example.com/watersmart?RedirectCode={code}"
                                     f"&SessionToken={ready['SessionToken']}")


def test_every_call_is_logged_with_passwords_and_tokens_masked(client, key, session):
    call(client, "RetrieveCustomerGUID", {"SessionToken": session["SessionToken"]}, key)
    calls = {c.operation: c for c in ApiCall.objects.all()}
    sign_in = calls["RemoteAuthentication"]
    assert (sign_in.status, sign_in.biller.slug, sign_in.key.prefix) == (200, "demo-watersmart", key[:10])
    assert SIGN_IN["Password"] not in sign_in.request and '"Password": "***"' in sign_in.request
    assert session["SessionToken"] not in sign_in.response and '"SessionToken": "***"' in sign_in.response
    assert session["SessionToken"] not in calls["RetrieveCustomerGUID"].request
