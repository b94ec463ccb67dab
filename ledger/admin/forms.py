from django import forms
from django.utils import timezone

from exports.payments import OFFLINE_METHODS
from ledger.models import Account, Payment


class OfflinePaymentForm(forms.ModelForm):
    """An offline cash or check payment entered by support; it lowers the account's balance."""
    account_number = forms.CharField(max_length=60)
    method = forms.ChoiceField(choices=[(k, v) for k, v in OFFLINE_METHODS.items()])

    class Meta:
        model = Payment
        fields = ["biller", "account_number", "method", "paid_at", "amount", "check_number", "invoice_number",
                  "customer_name", "biller_reference"]
        labels = {"paid_at": "Payment date"}
        help_texts = {"customer_name": "Empty: the account's customer name."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_at"].initial = timezone.now

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(f"{amount} is not a positive amount")
        return amount

    def clean(self):
        cleaned = super().clean()
        biller, number = cleaned.get("biller"), (cleaned.get("account_number") or "").strip()
        if biller is not None and number:
            account = Account.objects.filter(biller=biller, account_number=number).first()
            if account is None:
                self.add_error("account_number", f"{number!r} is not an account of {biller}")
            else:
                self.instance.account = account
        if cleaned.get("method") == "check" and not cleaned.get("check_number"):
            self.add_error("check_number", "a check payment needs its check number")
        return cleaned
