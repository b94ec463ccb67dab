"""A file already loaded for the same biller and format needs an explicit override; with it,
nothing is duplicated (invoices unchanged)."""
from ledger.models import Account, Invoice, InvoiceDetail
from tests.support.loadkit import approve, demo, load_file, login, sample, upload  # noqa: F401

WS = ("demo-watersmart", "watersmart.invoice")


def snapshot():
    return (list(Invoice.objects.order_by("pk").values_list("pk", "invoice_number", "total_amount_due", "written_by_load",
                                                           "updated_at")),
            list(Account.objects.order_by("pk").values_list("pk", "current_balance", "updated_at")),
            InvoiceDetail.objects.count())


def test_it_refuses_to_load_the_same_file_twice_without_the_override(demo):
    first = load_file(*WS, "watersmart_invoice.csv")
    support = login("support")
    _, again = upload(support, *WS, sample("watersmart_invoice.csv"))
    again.refresh_from_db()
    assert again.duplicate_of == first and again.status == "parsed"
    assert "already loaded as load" in again.events.first().note
    assert again.plan["invoices"] == {"new": 0, "updated": 0, "unchanged": 4}
    before = snapshot()
    response = approve(login("support2"), again)
    assert response.status_code == 200 and again.status == "parsed"
    assert f"already loaded for demo-watersmart (watersmart.invoice) as load {first.pk}" in response.content.decode()
    assert snapshot() == before


def test_it_loads_a_duplicate_with_the_override_and_duplicates_nothing(demo):
    first = load_file(*WS, "watersmart_invoice.csv")
    before = snapshot()
    _, again = upload(login("support"), *WS, sample("watersmart_invoice.csv"))
    approve(login("support2"), again, allow_duplicate=True)
    assert again.status == "loaded" and again.allow_duplicate
    assert snapshot() == before            # same rows, same values, still written by the first load
    assert again.plan["invoices"] == {"new": 0, "updated": 0, "unchanged": 4}
    assert first.invoices().count() == 4
    assert "duplicate of load" in again.events.get(to_status="approved").note


def test_it_accepts_the_override_ticked_at_upload(demo):
    load_file(*WS, "watersmart_invoice.csv")
    before = snapshot()
    _, again = upload(login("support"), *WS, sample("watersmart_invoice.csv"), allow_duplicate=True)
    approve(login("support2"), again)
    assert again.status == "loaded" and snapshot() == before


def test_it_does_not_flag_the_same_file_for_another_format_or_an_unloaded_one(demo):
    support = login("support")
    _, first = upload(support, *WS, sample("watersmart_invoice.csv"))
    _, second = upload(support, *WS, sample("watersmart_invoice.csv"))
    second.refresh_from_db()
    assert second.duplicate_of is None       # the first was never loaded
    approve(login("support2"), first)
    _, other = upload(support, "demo-incode", "incode.invoice.include_dashes", sample("incode_invoice.xml"))
    other.refresh_from_db()
    assert other.duplicate_of is None
    # the file was loaded since `second` was uploaded: approval checks again
    response = approve(login("support2"), second)
    assert response.status_code == 200 and second.status == "parsed"
