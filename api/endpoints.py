"""IC's web services for the partner's portal, one endpoint each, under /api/v1/<biller slug>/.

Django Ninja: the request and response schemas (api.schemas) are the validation and the
OpenAPI document at /api/v1/schema/ at once.
"""
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api import schemas as s
from api.auth import PartnerKey, Throttled, WrongBiller
from api.changes import linked_accounts, record_email
from billers.models import Biller
from ledger import customers
from ledger.redirects import redirect_url

api = NinjaAPI(
    title="IC partner API", version="1", urls_namespace="api_v1", auth=PartnerKey(),
    openapi_url="/schema/", docs_url="/docs/",
    description="IC's web services for a biller's partner portal (the WaterSmart design's "
                "'Invoice Cloud Web Services'). Send the biller's key as `Authorization: Bearer <key>`.")

ERRORS = {400: s.Error, 401: s.Error, 403: s.Error, 404: s.Error, 429: s.Error}
REFUSAL_STATUS = {"invalid": 400, "expired": 401, "refused": 403, "unknown": 404}


def error(request, status, message, field=None):
    return api.create_response(request, {"Error": message, "Field": field}, status=status)


@api.exception_handler(customers.Refused)
def refused(request, exc):
    return error(request, REFUSAL_STATUS[exc.kind], str(exc), exc.field)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    first = exc.errors[0]
    names = [str(part) for part in first.get("loc", ()) if part not in ("body", "payload")]
    field = names[0] if names else None
    message = first.get("msg", "invalid")
    if first.get("type") == "json_invalid" or field is None:
        return error(request, 400, f"the request body is not a JSON object: {message}")
    return error(request, 400, f"{'.'.join(names)}: {message}", field)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return error(request, exc.status_code, exc.message)


@api.exception_handler(AuthenticationError)
def no_key(request, exc):
    return error(request, 401, "Authorization: send the biller's API key as 'Bearer <key>'", "Authorization")


@api.exception_handler(WrongBiller)
def wrong_biller(request, exc):
    return error(request, 403, f"Authorization: {exc}", "Authorization")


@api.exception_handler(Throttled)
def throttled(request, exc):
    response = error(request, 429, f"Authorization: {exc}; try again in a minute", "Authorization")
    response["Retry-After"] = "60"
    return response


def biller_of(slug):
    return get_object_or_404(Biller, slug=slug)


def operation(name, summary):
    return api.post("/{slug}/" + name, url_name=name, summary=summary, operation_id=name,
                    response={200: OUTPUTS[name], **ERRORS})


OUTPUTS = {
    "RemoteAuthentication": s.SignedIn, "KeepRemoteSessionAlive": s.SessionAlive,
    "RemoteRegistration": s.Registered, "LinkCustomerAccount": s.LinkedAccounts,
    "UnregisterAccounts": s.LinkedAccounts, "SetCustomerEmailAddress": s.EmailChanged,
    "SetInvoiceBalance": s.InvoiceBalanceSet, "RetrieveCustomerGUID": s.CustomerRef,
    "RetrieveCustomerAccount": s.CustomerAccounts, "CustomerPortalRedirect": s.Redirect,
}


@operation("RemoteAuthentication", "Sign a customer in; with #29 = 1 an unknown customer is created")
@transaction.atomic
def remote_authentication(request, slug: str, payload: s.SignIn):
    now = timezone.now()
    customer, created, token = customers.authenticate(biller_of(slug), payload.EmailAddress, payload.Password,
                                                      payload.AccountNumber, now)
    if created:
        record_email(customer, linked_accounts(customer), now)
    return {"CustomerGUID": customer.guid, "SessionToken": token, "Created": created}


@operation("KeepRemoteSessionAlive", "Extend a session token's expiry")
@transaction.atomic
def keep_remote_session_alive(request, slug: str, payload: s.Session):
    session = customers.keep_alive(biller_of(slug), payload.SessionToken)
    return {"SessionToken": payload.SessionToken, "ExpiresAt": session.expires_at}


@operation("RemoteRegistration", "Register a customer, or change a registered customer's password")
@transaction.atomic
def remote_registration(request, slug: str, payload: s.SignIn):
    now = timezone.now()
    customer, created = customers.register(biller_of(slug), payload.EmailAddress, payload.Password,
                                           payload.AccountNumber, now)
    if created:
        record_email(customer, linked_accounts(customer), now)
    return {"CustomerGUID": customer.guid, "Created": created}


@operation("LinkCustomerAccount", "Link one of the biller's accounts to a customer")
@transaction.atomic
def link_customer_account(request, slug: str, payload: s.AccountLink):
    biller = biller_of(slug)
    customer = customers.find_customer(biller, payload.CustomerGUID)
    account = customers.find_account(biller, payload.AccountNumber)
    if customers.link(customer, account):
        record_email(customer, [account], timezone.now())
    return {"CustomerGUID": customer.guid, "AccountNumbers": customers.linked_account_numbers(customer)}


@operation("UnregisterAccounts", "Unlink accounts from a customer")
@transaction.atomic
def unregister_accounts(request, slug: str, payload: s.AccountsToUnregister):
    biller = biller_of(slug)
    customer = customers.find_customer(biller, payload.CustomerGUID)
    accounts = [customers.find_account(biller, number, "AccountNumbers") for number in payload.AccountNumbers]
    customers.unlink(customer, accounts)
    return {"CustomerGUID": customer.guid, "AccountNumbers": customers.linked_account_numbers(customer)}


@operation("SetCustomerEmailAddress", "Change a customer's e-mail address (an email event in the change log)")
@transaction.atomic
def set_customer_email_address(request, slug: str, payload: s.EmailChange):
    now = timezone.now()
    customer = customers.find_customer(biller_of(slug), payload.CustomerGUID)
    changed = customers.set_email(customer, payload.EmailAddress, now)
    if changed:
        record_email(customer, linked_accounts(customer), now)
    return {"CustomerGUID": customer.guid, "EmailAddress": customer.email, "Changed": changed}


@operation("SetInvoiceBalance", "Reset an invoice's balance (IC demo billers only)")
@transaction.atomic
def set_invoice_balance(request, slug: str, payload: s.InvoiceBalance):
    invoice = customers.set_invoice_balance(biller_of(slug), payload.AccountNumber, payload.InvoiceNumber,
                                            payload.BalanceDue)
    return {"InvoiceNumber": invoice.invoice_number, "BalanceDue": invoice.balance_due}


@operation("RetrieveCustomerGUID", "The CustomerGUID of a session token")
def retrieve_customer_guid(request, slug: str, payload: s.Session):
    session = customers.find_session(biller_of(slug), payload.SessionToken)
    return {"CustomerGUID": session.customer.guid}


@operation("RetrieveCustomerAccount", "The accounts of a session token's customer")
def retrieve_customer_account(request, slug: str, payload: s.Session):
    session = customers.find_session(biller_of(slug), payload.SessionToken)
    return {"CustomerGUID": session.customer.guid,
            "AccountNumber": session.account.account_number if session.account else None,
            "AccountNumbers": customers.linked_account_numbers(session.customer)}


@operation("CustomerPortalRedirect", "The customer-portal URL of a redirect code (2, 3, 5, 8, 9, 11)")
def customer_portal_redirect(request, slug: str, payload: s.RedirectRequest):
    redirect, url = redirect_url(biller_of(slug), payload.SessionToken, payload.RedirectCode)
    return {"RedirectCode": redirect.code, "Destination": redirect.destination, "RedirectUrl": url}
