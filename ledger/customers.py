"""What IC's web services do to customers, account links and sessions (the partner API's core).

Each function raises `Refused` with the field it is about; the API turns it into the HTTP
answer. Callers run them in a transaction.
"""
import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from billers.web_services import creates_customer_on_sign_in
from ledger.models import Account, Customer, CustomerAccount, CustomerSession, Invoice

SESSION_LIFETIME = datetime.timedelta(minutes=20)


class Refused(Exception):
    """A refusal naming its field. kind: invalid (400), refused (403), unknown (404), expired (401)."""

    def __init__(self, field, message, kind="invalid"):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.kind = kind


def clean_email(value, field="EmailAddress"):
    email = (value or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise Refused(field, f"{value!r} is not an e-mail address") from None
    if len(email) > 100:
        raise Refused(field, f"{value!r} is longer than 100 characters")
    return email


def find_account(biller, account_number, field="AccountNumber"):
    account = Account.objects.filter(biller=biller, account_number=account_number).first()
    if account is None:
        raise Refused(field, f"account {account_number!r} not found for biller {biller.slug}")
    return account


def find_customer(biller, guid):
    customer = Customer.objects.filter(biller=biller, guid=guid).first()
    if customer is None:
        raise Refused("CustomerGUID", f"no customer {guid} for biller {biller.slug}", kind="unknown")
    return customer


def customer_by_email(biller, email):
    return Customer.objects.filter(biller=biller, email__iexact=email).first()


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(customer, account, now=None):
    """A new session token (returned once; only its digest is stored)."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    CustomerSession.objects.create(customer=customer, account=account, token_digest=digest(token),
                                   expires_at=now + SESSION_LIFETIME)
    return token


def find_session(biller, token, now=None):
    """The live session of that token, or Refused (unknown or expired)."""
    now = now or timezone.now()
    session = (CustomerSession.objects.select_related("customer", "account")
               .filter(token_digest=digest(token or ""), customer__biller=biller).first())
    if session is None:
        raise Refused("SessionToken", "unknown session token", kind="expired")
    if session.expires_at <= now:
        raise Refused("SessionToken", f"the session expired at {session.expires_at.isoformat()}", kind="expired")
    return session


def keep_alive(biller, token, now=None):
    now = now or timezone.now()
    session = find_session(biller, token, now)
    session.expires_at = now + SESSION_LIFETIME
    session.save(update_fields=["expires_at"])
    return session


def link(customer, account):
    """Link the account; True when the link is new."""
    _, created = CustomerAccount.objects.get_or_create(customer=customer, account=account)
    return created


def unlink(customer, accounts):
    CustomerAccount.objects.filter(customer=customer, account__in=accounts).delete()


def create_customer(biller, email, password, account, now=None):
    """The new customer linked to the account, or None when a concurrent call created a
    customer with that e-mail first (the unique constraint decides)."""
    customer = Customer(biller=biller, email=email, email_changed_at=now or timezone.now())
    customer.set_password(password)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        return None
    link(customer, account)
    return customer


def check_password(customer, password):
    """Refused unless the password matches; a customer without one (created by the partner)
    gets this one."""
    if not customer.password:
        customer.set_password(password)
        customer.save(update_fields=["password", "updated_at"])
    elif not customer.check_password(password):
        raise Refused("Password", "the password does not match", kind="refused")


def authenticate(biller, email, password, account_number, now=None):
    """RemoteAuthentication: (customer, created, session token).

    A customer IC does not know is created and linked to the account when the biller's
    #29 is 1; otherwise refused. The session remembers the account when it is linked."""
    email = clean_email(email)
    account = find_account(biller, account_number)
    customer = customer_by_email(biller, email)
    created = False
    if customer is None:
        if not creates_customer_on_sign_in(biller):
            raise Refused("EmailAddress", f"no customer {email!r} (advanced setting #29 "
                          "'RemoteAuthenticationWS - Create Customer' is off)", kind="refused")
        customer = create_customer(biller, email, password, account, now)
        created = customer is not None
        customer = customer or customer_by_email(biller, email)
    if not created:
        check_password(customer, password)
    signed_in_with = account if customer.links.filter(account=account).exists() else None
    return customer, created, start_session(customer, signed_in_with, now)


def register(biller, email, password, account_number, now=None):
    """RemoteRegistration: (customer, created); an existing customer gets the new password
    and the account linked."""
    email = clean_email(email)
    account = find_account(biller, account_number)
    customer = customer_by_email(biller, email)
    if customer is None:
        customer = create_customer(biller, email, password, account, now)
        if customer is not None:
            return customer, True
        customer = customer_by_email(biller, email)
    customer.set_password(password)
    customer.save(update_fields=["password", "updated_at"])
    link(customer, account)
    return customer, False


def set_email(customer, email, now=None):
    """SetCustomerEmailAddress: True when the address changed."""
    email = clean_email(email)
    if email == customer.email:
        return False
    other = customer_by_email(customer.biller, email)
    if other is not None and other.pk != customer.pk:
        raise Refused("EmailAddress", f"{email!r} belongs to another customer of this biller")
    customer.email = email
    customer.email_changed_at = now or timezone.now()
    customer.save(update_fields=["email", "email_changed_at", "updated_at"])
    return True


def set_invoice_balance(biller, account_number, invoice_number, balance):
    """SetInvoiceBalance: demo billers only (IC's demo site resets balances with it)."""
    if not biller.demo:
        raise Refused("SetInvoiceBalance", f"biller {biller.slug} is not an IC demo biller", kind="refused")
    account = find_account(biller, account_number)
    invoice = Invoice.objects.filter(biller=biller, account=account, invoice_number=invoice_number).first()
    if invoice is None:
        raise Refused("InvoiceNumber", f"invoice {invoice_number!r} not found for account {account_number!r}")
    invoice.balance_due = balance
    invoice.save(update_fields=["balance_due", "updated_at"])
    return invoice


def linked_account_numbers(customer):
    return list(customer.links.order_by("account__account_number")
                .values_list("account__account_number", flat=True))
