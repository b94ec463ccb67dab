"""The ledger's admin pages after the move out of billers and exports (issue 16): the invoice
list names the load that wrote each invoice, and the old addresses lead to the new pages."""
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from ingest.models import Load
from ledger.models import Invoice
from tests.support.loadkit import demo, load_file, login  # noqa: F401


def test_the_invoice_list_links_each_invoice_to_the_load_that_wrote_it(demo):  # noqa: F811
    load = load_file("demo-watersmart", "watersmart.invoice", "watersmart_invoice.csv")
    invoice = load.invoices().order_by("invoice_number").first()
    assert invoice.written_by_load == load.pk
    page = login("auditor").get(reverse("admin:ledger_invoice_changelist"), {"q": invoice.invoice_number})
    assert page.status_code == 200
    link = f'<a href="{reverse("admin:ingest_load_change", args=[load.pk])}">Load {load.pk} watersmart_invoice.csv</a>'
    assert link in page.content.decode()
    detail = login("auditor").get(reverse("admin:ledger_invoice_change", args=[invoice.pk]))
    assert link in detail.content.decode()


def test_an_invoice_no_load_wrote_shows_none(demo):  # noqa: F811
    load = load_file("demo-watersmart", "watersmart.invoice", "watersmart_invoice.csv")
    invoice = load.invoices().first()
    Invoice.objects.filter(pk=invoice.pk).update(written_by_load=None)
    page = login("auditor").get(reverse("admin:ledger_invoice_change", args=[invoice.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and reverse("admin:ingest_load_change", args=[load.pk]) not in html
    assert '<div class="readonly">-</div>' in html.split('field-load')[1][:400]


def test_load_invoices_reads_what_the_load_wrote_last(demo):  # noqa: F811
    first = load_file("demo-watersmart", "watersmart.invoice", "watersmart_invoice.csv")
    numbers = set(first.invoices().values_list("invoice_number", flat=True))
    assert numbers and numbers == set(Invoice.objects.filter(biller=first.biller).values_list("invoice_number",
                                                                                            flat=True))
    second = load_file("demo-watersmart", "watersmart.invoice", "watersmart_invoice.csv", allow_duplicate=True)
    # an unchanged invoice keeps its writer; nothing else names a load that does not exist
    writers = set(Invoice.objects.values_list("written_by_load", flat=True))
    assert writers <= {first.pk, second.pk} and writers <= set(Load.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("old, new", [
    ("/admin/billers/account/", "/admin/ledger/account/"),
    ("/admin/billers/invoice/?q=9001&biller__id__exact=1", "/admin/ledger/invoice/?q=9001&biller__id__exact=1"),
    ("/admin/billers/invoice/12/change/", "/admin/ledger/invoice/12/change/"),
    ("/admin/exports/payment/import/", "/admin/ledger/payment/import/"),
    ("/admin/exports/achreject/", "/admin/ledger/achreject/"),
    ("/admin/exports/accountchange/?kind=email", "/admin/ledger/accountchange/?kind=email"),
])
def test_a_bookmarked_address_of_before_the_move_redirects_to_the_ledger_page(client, old, new):
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == new


def test_the_redirect_leads_to_a_page_that_still_checks_the_permission(client_for, client):
    assert client_for("auditor").get("/admin/billers/account/", follow=True).status_code == 200
    client.force_login(User.objects.create_user("nobody", password="x", is_staff=True))
    response = client.get("/admin/exports/payment/", follow=True)
    assert response.redirect_chain == [("/admin/ledger/payment/", 301)] and response.status_code == 403


@pytest.mark.parametrize("address", ["/admin/billers/biller/", "/admin/exports/exportrun/"])
def test_the_pages_that_stayed_are_not_redirected(client_for, address):
    assert client_for("auditor").get(address).status_code == 200
