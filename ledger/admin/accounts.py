"""Accounts and invoices (with their detail lines), written by approved loads: read-only here."""
from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html

from icportal.admin_helpers import ReadOnlyMixin
from ingest.models import Load
from ledger.models import Account, Invoice, InvoiceDetail


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Rows written by loads: everyone with the view permission reads, nobody edits here."""


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["account_number", "customer_name", "biller", "city", "current_balance",
                    "block_payments_cc", "block_payments_ach"]
    list_filter = ["biller", "block_payments_cc", "block_payments_ach"]
    search_fields = ["account_number", "customer_name", "display_account_number", "address1"]
    list_select_related = ["biller"]
    show_full_result_count = False


class InvoiceDetailInline(ReadOnlyMixin, admin.TabularInline):
    model = InvoiceDetail
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["invoice_number", "account", "biller", "invoice_date", "due_date", "total_amount_due",
                    "past_due", "load"]
    list_filter = ["biller", "invoice_type_id", "invoice_date"]
    search_fields = ["invoice_number", "account__account_number", "account__customer_name", "guid"]
    exclude = ["written_by_load"]
    readonly_fields = ["guid", "load"]
    date_hierarchy = "invoice_date"
    list_select_related = ["biller", "account"]
    inlines = [InvoiceDetailInline]
    show_full_result_count = False

    def get_queryset(self, request):
        """The ledger keeps the load's number only (it sits below ingest): its file name is
        read here, in the same query."""
        name = Load.objects.filter(pk=OuterRef("written_by_load")).values("original_name")[:1]
        return super().get_queryset(request).annotate(_load_name=Subquery(name))

    @admin.display(description="load", ordering="written_by_load")
    def load(self, invoice):
        if invoice.written_by_load is None:
            return "-"
        label = f"Load {invoice.written_by_load} {getattr(invoice, '_load_name', None) or ''}".strip()
        return format_html('<a href="{}">{}</a>', reverse("admin:ingest_load_change", args=[invoice.written_by_load]),
                           label)
