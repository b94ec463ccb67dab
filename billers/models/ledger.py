"""The biller's customer accounts, invoices and balances, written by approved loads."""
from decimal import Decimal

from django.db import models


class Account(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.CASCADE, related_name="accounts")
    account_number = models.CharField(max_length=60)
    customer_name = models.CharField(max_length=300, blank=True)
    address1 = models.CharField(max_length=300, blank=True)
    address2 = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120, blank=True)
    state = models.CharField(max_length=60, blank=True)
    zip = models.CharField(max_length=20, blank=True)
    block_payments_cc = models.BooleanField("block card payments", null=True, blank=True)
    block_payments_ach = models.BooleanField("block ACH payments", null=True, blank=True)
    display_account_number = models.CharField(max_length=60, blank=True)
    current_balance = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["biller", "account_number"]
        constraints = [
            models.UniqueConstraint(fields=["biller", "account_number"], name="account_number_unique_per_biller"),
        ]

    def __str__(self):
        return f"{self.account_number} {self.customer_name}".strip()


def _custom_fields():
    return {f"custom{n}": models.CharField(f"Custom{n}", max_length=300, blank=True, null=True)
            for n in range(10, 25)}


class Invoice(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.CASCADE, related_name="invoices")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices")
    invoice_number = models.CharField(max_length=80)
    invoice_date = models.DateField()
    due_date = models.DateField("InvoiceDueDate")
    total_amount_due = models.DecimalField(max_digits=14, decimal_places=2)
    balance_due = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    past_due = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    minimum_amount_due = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    allow_partial_payments = models.BooleanField(null=True, blank=True)
    invoice_type_id = models.PositiveIntegerField("InvoiceTypeID")
    invoice_format_guid = models.UUIDField("InvoiceFormatGuid", null=True, blank=True)
    late_fee_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    late_fee_date = models.DateField(null=True, blank=True)
    # The biller's other BIF features as each invoice got them (ingest.formats.bif).
    balance_forward = models.BooleanField(null=True, blank=True)
    ach_service_fee = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    credit_card_service_fee = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    autopay_collection_date = models.DateField("AutoPayCollectionDate", null=True, blank=True)
    first_notify_requested_date = models.DateField("FirstNotifyRequestedDate", null=True, blank=True)
    second_notify_requested_date = models.DateField("SecondNotifyRequestedDate", null=True, blank=True)
    third_notify_requested_date = models.DateField("ThirdNotifyRequestedDate", null=True, blank=True)
    payment_expiration_date = models.DateField("PaymentExpirationDate", null=True, blank=True)
    payment_expiration_message = models.CharField("PaymentExpirationMessage", max_length=300, null=True, blank=True)
    prompt_pay_expiration_date = models.DateField("PromptPayExpirationDate", null=True, blank=True)
    location_reference = models.CharField("LocationReference", max_length=100, null=True, blank=True)
    registration_value = models.CharField("RegistrationValue", max_length=100, null=True, blank=True)
    amount_paid = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00"),
        help_text="Payments made against this invoice; an invoice with payments is never replaced by a load.")
    load = models.ForeignKey("ingest.Load", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="invoices", help_text="The load that last wrote this invoice.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    locals().update(_custom_fields())

    class Meta:
        ordering = ["biller", "-invoice_date", "invoice_number"]
        constraints = [
            models.UniqueConstraint(fields=["biller", "invoice_number"], name="invoice_number_unique_per_biller"),
        ]

    def __str__(self):
        return self.invoice_number


class InvoiceDetail(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="details")
    position = models.PositiveIntegerField()
    description = models.CharField(max_length=100)
    locals().update({f"custom_field{n}": models.CharField(f"CustomField{n}", max_length=300, blank=True, null=True)
                     for n in range(1, 10)})

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="one_detail_per_position")]

    def __str__(self):
        return self.description
