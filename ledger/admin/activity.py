"""Admin for the activity: payments (offline entry, void), ACH rejects, account changes.

Support searches, imports (exports.admin.importing), enters offline cash/check payments and
voids payments; auditors and implementation managers only view. Nobody edits or deletes
activity in the admin: a payment's balance effect is applied on entry and undone by a void.
"""
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from exports.admin.importing import ActivityImportMixin
from exports.payments import enter_offline_payment, void_payments
from icportal.admin_helpers import biller_time, username
from icportal.human_csv import csv_download, csv_lines
from ledger.admin.forms import OfflinePaymentForm
from ledger.models import AccountChange, AchReject, Payment, PaymentType


class ActivityAdmin(ActivityImportMixin, admin.ModelAdmin):
    list_select_related = ["biller", "account"]
    list_per_page = 50
    csv_fields = ()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Download selected as CSV", permissions=["view"])
    def download_csv(self, request, queryset):
        header = [self.opts.get_field(name).verbose_name for name in self.csv_fields]
        objects = queryset.select_related("biller", "account").iterator(chunk_size=2000)  # streamed
        rows = ([getattr(obj, name) for name in self.csv_fields] for obj in objects)
        return csv_download(f"{self.opts.model_name}s.csv", csv_lines(header, rows))


@admin.register(Payment)
class PaymentAdmin(ActivityAdmin):
    activity_kind = "payments"
    list_display = ["payment_guid", "biller", "account", "customer_name", "paid_at_local", "amount", "status",
                    "paid_by"]
    list_filter = ["biller", "status", "offline", "payment_type_id", "card_brand", "invoice_type_id"]
    search_fields = ["account__account_number", "payment_guid", "payment_reference", "customer_name",
                     "invoice_number", "check_number"]
    date_hierarchy = "paid_at"
    paid_at_local = biller_time("paid_at", "payment date (biller's time)")
    readonly_fields = ["paid_by", "balance_lowered", "entered_by_name", "voided_by_name", "voided_at", "created_at"]
    entered_by_name = username("entered_by", "entered by")
    voided_by_name = username("voided_by", "voided by")
    actions = ["void_selected", "download_csv"]
    csv_fields = ("biller", "account", "customer_name", "payment_guid", "paid_at", "payment_type_id", "amount",
                  "convenience_fee", "status", "offline", "payment_message", "biller_reference", "check_number",
                  "card_brand", "invoice_type_id")

    @admin.display(description="paid by", ordering="payment_type_id")
    def paid_by(self, payment):
        """The payment type by its meaning (IC files carry a check as PaymentTypeID 2)."""
        if payment.offline:
            return f"check no. {payment.check_number} (offline)" if payment.check_number else "cash (offline)"
        if payment.payment_type_id == PaymentType.CARD:
            return f"card ({payment.card_brand})" if payment.card_brand else "card"
        return "ACH (bank account)"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:  # the add form: an offline payment, with the admin's widgets
            kwargs["form"] = OfflinePaymentForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": list(OfflinePaymentForm.base_fields)})]
        return super().get_fieldsets(request, obj)

    def save_model(self, request, obj, form, change):
        if change:  # pragma: no cover - has_change_permission is False
            raise PermissionError("payments are not edited")
        enter_offline_payment(obj, form.cleaned_data["method"], request.user)

    def has_void_permission(self, request):
        return request.user.has_perm("ledger.void_payment")

    @admin.action(description="Void selected payments (restores the balance)", permissions=["void"])
    def void_selected(self, request, queryset):
        if request.POST.get("confirm") != "yes":
            context = {**self.admin_site.each_context(request), "opts": self.opts, "payments": queryset,
                       "title": "Void payments", "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
            return TemplateResponse(request, "admin/ledger/void_payments.html", context)
        voided, skipped = void_payments(queryset, request.user)
        messages.success(request, f"Voided {voided} payment(s).")
        if skipped:
            messages.warning(request, f"{skipped} selected payment(s) were not approved and were left as they are.")
        return None


@admin.register(AchReject)
class AchRejectAdmin(ActivityAdmin):
    activity_kind = "rejects"
    list_display = ["reference_number", "biller", "account", "customer_name", "transaction_date", "reject_date",
                    "amount", "code"]
    list_filter = ["biller", "code", "reject_date"]
    search_fields = ["account__account_number", "reference_number", "auth_order_number", "customer_name"]
    date_hierarchy = "reject_date"
    actions = ["download_csv"]
    csv_fields = ("biller", "account", "customer_name", "transaction_date", "reject_date", "invoice_number",
                  "invoice_type", "amount", "code", "auth_order_number", "reference_number", "biller_reference")

    def has_add_permission(self, request):
        return False  # rejects come from the activity import


@admin.register(AccountChange)
class AccountChangeAdmin(ActivityAdmin):
    activity_kind = "changes"
    list_display = ["account", "biller", "kind", "value", "at_local"]
    list_filter = ["biller", "kind"]
    search_fields = ["account__account_number", "value"]
    date_hierarchy = "at"
    at_local = biller_time("at", "at (biller's time)")
    actions = ["download_csv"]
    csv_fields = ("biller", "account", "kind", "value", "at")

    def has_add_permission(self, request):
        return False  # changes come from the activity import
