"""IC's customers of a biller and the accounts linked to them, written by the partner API.

A customer signs in to IC (RemoteAuthentication) with an e-mail address and, where the
integration authenticates in IC, a password kept only as a Django password hash. A session
token is kept only as its SHA-256 digest.
"""
import uuid

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.db.models.functions import Lower


class Customer(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.PROTECT, related_name="customers")
    guid = models.UUIDField("CustomerGUID", default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("e-mail address", max_length=100)
    email_changed_at = models.DateTimeField("e-mail changed at", null=True, blank=True)
    phone = models.CharField("phone number", max_length=15, blank=True)
    password = models.CharField(max_length=128, blank=True, editable=False,
                                help_text="A Django password hash; blank: signs in through the partner only.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["biller", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), "biller", name="customer_email_unique_per_biller"),
        ]

    def __str__(self):
        return self.email

    def set_password(self, raw_password):
        self.password = make_password(raw_password)

    def check_password(self, raw_password):
        return bool(self.password) and check_password(raw_password, self.password)


class CustomerAccount(models.Model):
    """A customer's link to one of the biller's accounts, with its enrolment state."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="links")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="customer_links")
    linked_at = models.DateTimeField(auto_now_add=True)
    autopay = models.BooleanField("AutoPay", default=False)
    autopay_changed_at = models.DateTimeField("AutoPay since", null=True, blank=True)
    paperless = models.BooleanField(default=False)
    paperless_changed_at = models.DateTimeField("paperless since", null=True, blank=True)

    class Meta:
        ordering = ["customer", "account"]
        verbose_name = "account link"
        constraints = [models.UniqueConstraint(fields=["customer", "account"], name="one_link_per_customer_account")]

    def __str__(self):
        return f"{self.customer} - {self.account.account_number}"


class CustomerSession(models.Model):
    """A partner session (RemoteAuthentication's SessionToken), kept as a digest."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="sessions")
    account = models.ForeignKey("ledger.Account", on_delete=models.CASCADE, null=True, related_name="+",
                                help_text="The account the customer signed in with.")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "customer session"

    def __str__(self):
        return f"{self.customer} until {self.expires_at:%Y-%m-%d %H:%M}"
