"""References IC generates for a payment whose source has none: PaymentGUID, PaymentReference,
and the InvoiceGUID of the paid invoice (InvoiceNumber) when the biller has it."""
import uuid

from ledger.models import Invoice


def new_payment_reference():
    return uuid.uuid4().hex[:16].upper()


def fill_generated_references(payments):
    """Fill in place the blank references of unsaved payments (one query per biller)."""
    wanted = {}
    for payment in payments:
        payment.payment_guid = payment.payment_guid or str(uuid.uuid4())
        payment.payment_reference = payment.payment_reference or new_payment_reference()
        if not payment.invoice_guid and payment.invoice_number:
            wanted.setdefault(payment.biller_id, set()).add(payment.invoice_number)
    guids = {}
    for biller_id, numbers in wanted.items():
        guids.update(((biller_id, n), str(g)) for n, g in Invoice.objects.filter(
            biller_id=biller_id, invoice_number__in=sorted(numbers)).values_list("invoice_number", "guid"))
    for payment in payments:
        if not payment.invoice_guid:
            payment.invoice_guid = guids.get((payment.biller_id, payment.invoice_number), "")
    return payments
