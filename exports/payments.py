"""Payments entered or voided by support staff (the admin's offline payment form and void
action). Balances change in the database (F expressions), never by read-modify-write."""
from django.db import transaction
from django.utils import timezone

from exports.activity import apply_payments
from exports.guids import fill_generated_references
from ledger.models import Payment, PaymentStatus, PaymentType

OFFLINE_METHODS = {"cash": "Cash", "check": "Check"}


def enter_offline_payment(payment, method, user):
    """Save an offline cash/check payment (approved) and lower the account's balance."""
    fill_generated_references([payment])
    payment.status = PaymentStatus.APPROVED
    payment.offline = True
    # IC knows card (1) and ACH (2); a cash or check payment is not a card payment and goes
    # to the Bank file of a split WaterSmart export with the ACH payments.
    payment.payment_type_id = PaymentType.ACH
    payment.payment_type_desc = OFFLINE_METHODS[method]
    number = f" {payment.check_number}" if method == "check" and payment.check_number else ""
    payment.payment_message = payment.payment_message or f"Offline {method}{number}"
    payment.customer_name = payment.customer_name or payment.account.customer_name
    payment.entered_by = user
    payment.balance_lowered = True
    with transaction.atomic():
        payment.save()
        apply_payments([payment])
    return payment


def void_payments(queryset, user, now=None):
    """Make the approved payments of `queryset` voided (at `now`), restoring the balances they
    lowered; a payment file that carried one reports the void in its next run. Returns
    (voided, left alone)."""
    selected = queryset.count()
    with transaction.atomic():
        payments = list(Payment.objects.select_for_update()
                        .filter(pk__in=list(queryset.values_list("pk", flat=True)), status=PaymentStatus.APPROVED))
        Payment.objects.filter(pk__in=[p.pk for p in payments]).update(
            status=PaymentStatus.VOIDED, balance_lowered=False, voided_by=user, voided_at=now or timezone.now())
        apply_payments([p for p in payments if p.balance_lowered], sign=-1)
    return len(payments), selected - len(payments)
