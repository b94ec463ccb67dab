"""The activity that outbound files are made of (FORMATS.md sections 7-8).

Times are aware datetimes stored in UTC; the writers show them in the biller's time zone.
"""
from django.conf import settings
from django.db import models


class PaymentStatus(models.TextChoices):
    APPROVED = "approved", "approved"
    DECLINED = "declined", "declined"
    VOIDED = "voided", "voided"
    REVERSED = "reversed", "reversed"


class PaymentType(models.IntegerChoices):
    CARD = 1, "card"
    ACH = 2, "ACH"


class Payment(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.PROTECT, related_name="payments")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="payments")
    invoice_number = models.CharField("InvoiceNumber", max_length=80, blank=True)
    invoice_guid = models.CharField("InvoiceGUID", max_length=100, blank=True)
    customer_name = models.CharField("CustomerName", max_length=300, blank=True)
    payment_guid = models.CharField("PaymentGUID", max_length=100)
    paid_at = models.DateTimeField("PaymentDate", db_index=True)
    payment_type_id = models.PositiveSmallIntegerField("PaymentTypeID", choices=PaymentType.choices)
    payment_type_desc = models.CharField("PaymentTypeDesc", max_length=100, blank=True)
    amount = models.DecimalField("PaymentAmount", max_digits=14, decimal_places=2)
    convenience_fee = models.DecimalField("ConvenienceFee", max_digits=14, decimal_places=2,
                                          null=True, blank=True)
    payment_reference = models.CharField("PaymentReference", max_length=100, blank=True)
    payment_message = models.CharField("PaymentMessage", max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices)
    biller_reference = models.CharField("BillerReference", max_length=300, blank=True)
    offline = models.BooleanField("Offline", default=False, help_text="Cash or check entered by staff.")
    location_reference = models.CharField("LocationReference", max_length=100, blank=True)
    check_number = models.CharField("CheckNumber", max_length=30, blank=True)
    card_brand = models.CharField(max_length=30, blank=True, help_text="e.g. VISA, AMEX; blank for ACH.")
    invoice_type_id = models.PositiveIntegerField("InvoiceTypeID", null=True, blank=True)
    balance_lowered = models.BooleanField(
        default=False, editable=False,
        help_text="The amount was taken off the account's balance (approved payments); a void restores it.")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, editable=False, related_name="+")
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  blank=True, editable=False, related_name="+")
    voided_at = models.DateTimeField(
        "voided or reversed at", null=True, blank=True, editable=False,
        help_text="When an approved payment was voided or reversed; outbound files report it from that date.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_at", "payment_guid"]
        permissions = [("void_payment", "Can void a payment")]
        constraints = [
            models.UniqueConstraint(fields=["biller", "payment_guid"], name="payment_guid_unique_per_biller"),
        ]
        indexes = [models.Index(fields=["biller", "paid_at"])]

    def __str__(self):
        return self.payment_guid

    @property
    def approved(self):
        return self.status == PaymentStatus.APPROVED


class AchReject(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.PROTECT, related_name="ach_rejects")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="ach_rejects")
    transaction_date = models.DateField("Transaction Date")
    reject_date = models.DateField("Reject Date", db_index=True)
    customer_name = models.CharField("Customer Name", max_length=300, blank=True)
    invoice_number = models.CharField("Invoice Number", max_length=80, blank=True)
    invoice_type = models.CharField("Invoice Type", max_length=60, blank=True)
    amount = models.DecimalField("Amount", max_digits=14, decimal_places=2)
    code = models.CharField("Code", max_length=3, help_text="ACH return reason code, e.g. R01.")
    auth_order_number = models.CharField("Auth Order Number", max_length=100, blank=True)
    reference_number = models.CharField("Reference Number", max_length=100)
    biller_reference = models.CharField("Biller Reference", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reject_date", "reference_number"]
        verbose_name = "ACH reject"
        constraints = [
            models.UniqueConstraint(fields=["biller", "reference_number"], name="reject_reference_unique_per_biller"),
        ]

    def __str__(self):
        return self.reference_number


class ChangeKind(models.TextChoices):
    AUTOPAY_SIGNUP = "autopay_signup", "AutoPay sign-up"
    AUTOPAY_CANCEL = "autopay_cancel", "AutoPay cancel"
    EMAIL = "email", "email address"
    PHONE = "phone", "phone number"
    PAPERLESS_SIGNUP = "paperless_signup", "paperless sign-up"
    PAPERLESS_CANCEL = "paperless_cancel", "paperless cancel"


class AccountChange(models.Model):
    biller = models.ForeignKey("billers.Biller", on_delete=models.PROTECT, related_name="account_changes")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    value = models.CharField(max_length=100, blank=True, help_text="The new email address or phone number.")
    at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "id"]
        verbose_name = "account change"
        indexes = [models.Index(fields=["biller", "at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
