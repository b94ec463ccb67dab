"""Customers and account links (read-only: the partner API writes them), on their own pages,
on each account's page, and a page to test customer-portal redirect links."""
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from billers.models import Biller, PortalRedirect
from icportal.admin_helpers import ReadOnlyMixin
from ledger.admin.accounts import AccountAdmin
from ledger.customers import Refused
from ledger.models import Account, Customer, CustomerAccount
from ledger.redirects import redirect_url


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class LinkInline(ReadOnlyMixin, admin.TabularInline):
    model = CustomerAccount
    extra = 0
    fields = readonly_fields = ["account", "linked_at", "autopay", "autopay_changed_at", "paperless",
                                "paperless_changed_at"]


class AccountCustomerInline(ReadOnlyMixin, admin.TabularInline):
    """On an account's page: its customers with their current e-mail, phone, AutoPay and paperless."""

    model = CustomerAccount
    extra = 0
    verbose_name = verbose_name_plural = "customers (partner API)"
    fields = readonly_fields = ["customer", "email", "phone", "autopay", "autopay_changed_at", "paperless",
                                "paperless_changed_at", "linked_at"]

    @admin.display(description="e-mail address")
    def email(self, link):
        return link.customer.email

    @admin.display(description="phone number")
    def phone(self, link):
        return link.customer.phone or "-"


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["email", "guid", "biller", "phone", "email_changed_at", "accounts", "created_at"]
    list_filter = ["biller"]
    search_fields = ["email", "guid", "phone", "links__account__account_number"]
    list_select_related = ["biller"]
    exclude = ["password"]
    inlines = [LinkInline]

    @admin.display(description="accounts")
    def accounts(self, customer):
        return ", ".join(link.account.account_number for link in customer.links.select_related("account"))

    def get_urls(self):
        return [path("test-link/", self.admin_site.admin_view(self.test_link_view),
                     name="ledger_customer_test_link")] + super().get_urls()

    def test_link_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = TestLinkForm(request.POST or None)
        result = refusal = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                redirect, url = redirect_url(data["biller"], data["session_token"], data["redirect_code"])
                result = {"destination": redirect.destination, "url": url}
            except Refused as exc:
                refusal = str(exc)
        return TemplateResponse(request, "admin/ledger/customer/test_link.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "result": result, "refusal": refusal, "title": "Test a customer-portal link"})


class TestLinkForm(forms.Form):
    biller = forms.ModelChoiceField(Biller.objects.all())
    session_token = forms.CharField(help_text="A SessionToken from RemoteAuthentication.")
    redirect_code = forms.TypedChoiceField(coerce=int, choices=lambda: [
        (code, f"{code} = {destination}")
        for code, destination in PortalRedirect.objects.values_list("code", "destination").distinct().order_by("code")])


@admin.register(CustomerAccount)
class CustomerAccountAdmin(ReadOnlyAdmin):
    list_display = ["account", "customer", "biller", "autopay", "autopay_changed_at", "paperless",
                    "paperless_changed_at", "linked_at"]
    list_filter = ["customer__biller", "autopay", "paperless"]
    search_fields = ["account__account_number", "customer__email", "customer__guid"]
    list_select_related = ["account", "customer__biller"]

    @admin.display(description="biller", ordering="customer__biller__name")
    def biller(self, link):
        return link.customer.biller


class AccountWithCustomersAdmin(AccountAdmin):
    inlines = [*AccountAdmin.inlines, AccountCustomerInline]


admin.site.unregister(Account)
admin.site.register(Account, AccountWithCustomersAdmin)
