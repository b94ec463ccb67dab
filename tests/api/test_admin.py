"""The partner API in the admin: keys (implementation managers create and revoke, the key is
shown once), the call log filtered by support, customers per biller and per account, and the
customer-portal test link."""
import pytest

from api.keys import find_key
from api.models import ApiCall, ApiKey
from billers.models import Biller
from tests.support.partner_api import account, call, key_for

SIGN_IN = {"EmailAddress": "joe@example.com", "Password": "pw", "AccountNumber": "1001"}


@pytest.mark.parametrize("username, allowed", [("im", True), ("support", False), ("auditor", False)])
def test_only_implementation_managers_create_keys(client_for, username, allowed):
    client = client_for(username)
    biller = Biller.objects.get(slug="demo-watersmart")
    assert client.get("/admin/api/apikey/").status_code == 200
    response = client.post("/admin/api/apikey/add/", {"biller": biller.pk, "name": "WS", "requests_per_minute": 60},
                           follow=True)
    if not allowed:
        assert response.status_code == 403 and not ApiKey.objects.exists()
        return
    row = ApiKey.objects.get()
    [message] = [str(m) for m in response.context["messages"] if "shown only now" in str(m)]
    key = message.rsplit(" ", 1)[1]
    assert find_key(key) == row and row.created_by.username == "im" and row.requests_per_minute == 60
    assert key not in client.get(f"/admin/api/apikey/{row.pk}/change/").content.decode()


@pytest.mark.parametrize("username, allowed", [("im", True), ("support", False)])
def test_only_implementation_managers_revoke_keys(client_for, username, allowed):
    key = key_for()
    row = ApiKey.objects.get()
    client_for(username).post("/admin/api/apikey/", {"action": "revoke_selected", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert (row.revoked_at is not None) is allowed
    assert (find_key(key) is None) is allowed


def test_support_filters_the_call_log_by_biller_and_status(client_for, client):
    account()
    key = key_for()
    call(client, "RemoteAuthentication", SIGN_IN, key)
    call(client, "RemoteAuthentication", {**SIGN_IN, "EmailAddress": "bad"}, key)
    support = client_for("support")
    biller = Biller.objects.get(slug="demo-watersmart")
    page = support.get(f"/admin/api/apicall/?biller__id__exact={biller.pk}&status__exact=400")
    assert page.status_code == 200
    assert [c.status for c in page.context["cl"].result_list] == [400]
    detail = support.get(f"/admin/api/apicall/{ApiCall.objects.get(status=400).pk}/change/").content.decode()
    assert "is not an e-mail address" in detail and "pw" not in detail.split("&quot;Password&quot;")[1][:20]


def test_support_sees_an_accounts_customers_on_the_account_page(client_for, client):
    linked = account()
    call(client, "RemoteAuthentication", SIGN_IN, key_for())
    page = client_for("support").get(f"/admin/ledger/account/{linked.pk}/change/").content.decode()
    assert "Customers (partner API)" in page and "joe@example.com" in page
    customers = client_for("auditor").get(f"/admin/ledger/customer/?biller__id__exact={linked.biller_id}")
    assert [c.email for c in customers.context["cl"].result_list] == ["joe@example.com"]


def test_the_test_link_page_turns_a_token_and_code_into_the_portal_link(client_for, client):
    account()
    biller = Biller.objects.get(slug="demo-watersmart")
    biller.customer_portal_url = "https://pay.example.com/ws"
    biller.save()
    token = call(client, "RemoteAuthentication", SIGN_IN, key_for()).json()["SessionToken"]
    support = client_for("support")
    assert "Test a customer-portal link" in support.get("/admin/ledger/customer/").content.decode()
    page = support.post("/admin/ledger/customer/test-link/",
                        {"biller": biller.pk, "session_token": token, "redirect_code": 8}).content.decode()
    assert "Customer Portal Open Bill Listing" in page
    assert f"https://pay.example.com/ws?RedirectCode=8&amp;SessionToken={token}" in page
    refused = support.post("/admin/ledger/customer/test-link/",
                           {"biller": biller.pk, "session_token": "old", "redirect_code": 8}).content.decode()
    assert "SessionToken: unknown session token" in refused


def test_staff_without_a_role_cannot_open_the_test_link_page(client, demo):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("nobody", password="x", is_staff=True))
    assert client.get("/admin/ledger/customer/test-link/").status_code == 403
