"""The biller's BIF table reaches the loaded invoices as written (LateFeeDate rules, N/A,
questionnaire values), the preview and the IC standard file; a rule whose date falls off the
calendar is an error on its record, not a failed load."""
import datetime
from decimal import Decimal

from django.urls import reverse

from billers.models import BifCustomization
from ingest import reports
from ingest.models import Load
from ledger.models import Invoice
from tests.support.loadkit import approve, demo, login, upload  # noqa: F401

ROW = "{account},SMITH JOHN,1 MAIN ST,,FRESNO,CA,93701,06/01/2024,{due},100.00,0.00,{number},1\n"


def set_bif(biller, feature, **fields):
    row = BifCustomization.objects.get(biller=biller, feature__name=feature)
    for name, value in {"value": "", "rule": "", **fields}.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()


def load_rows(tmp_path, rows, biller="demo-watersmart"):
    path = tmp_path / "invoices.csv"
    path.write_text("".join(ROW.format(**row) for row in rows))
    response, load = upload(login("support"), biller, "watersmart.invoice", path)
    assert response.status_code == 302
    load.refresh_from_db()
    assert load.status == "parsed", (load.status, load.failure)
    return load


def test_a_late_fee_rule_on_the_invoice_date_gives_that_date_on_loaded_invoices(demo, tmp_path):
    set_bif(demo["demo-watersmart"], "LateFeeDate", source="rule", rule="InvoiceDate + 20 days")
    load = load_rows(tmp_path, [dict(account="1001", due="06/30/2024", number="9001")])
    approve(login("support2"), load)
    assert load.status == "loaded", load.failure
    invoice = Invoice.objects.get(invoice_number="9001")
    assert invoice.late_fee_date == datetime.date(2024, 6, 21)
    # the questionnaire values of the demo biller, as written
    assert (invoice.minimum_amount_due, invoice.allow_partial_payments, invoice.balance_forward) == \
        (Decimal("5.00"), True, True)
    assert invoice.first_notify_requested_date == datetime.date(2024, 6, 20)   # -10 days
    assert invoice.payment_expiration_date == datetime.date(2024, 8, 29)       # +60 days
    assert invoice.autopay_collection_date == datetime.date(2024, 6, 30)       # 0 days
    assert invoice.payment_expiration_message.startswith("This bill can no longer be paid online")


def test_a_late_fee_date_set_to_na_leaves_it_empty(demo, tmp_path):
    incode = demo["demo-incode"]
    set_bif(incode, "LateFeeDate", source="na")
    path = tmp_path / "incode.xml"
    from tests.ingest.test_incode_invoice import BLOCK
    path.write_text("<bills>\n" + BLOCK)
    response, load = upload(login("support"), "demo-incode", "incode.invoice.include_dashes", path)
    load.refresh_from_db()
    approve(login("support2"), load)
    assert load.status == "loaded", load.failure
    assert Invoice.objects.get(biller=incode).late_fee_date is None


def test_the_preview_and_the_ic_file_show_the_bif_values(demo, tmp_path):
    set_bif(demo["demo-watersmart"], "LateFeeDate", source="rule", rule="InvoiceDate + 20 days")
    load = load_rows(tmp_path, [dict(account="1001", due="06/30/2024", number="9001")])
    html = login("support").get(reverse("admin:ingest_load_change", args=[load.pk])).content.decode()
    assert "LateFeeDate" in html and "InvoiceDate + 20 days" in html and "MinimumAmountDue" in html
    ih = "".join(reports.ic_file(load)).splitlines()[1].split(",")
    assert "2024-06-21" in ih and "5.00" in ih


def test_a_rule_past_the_last_date_is_an_error_on_its_record_and_the_others_load(demo, tmp_path):
    set_bif(demo["demo-watersmart"], "LateFeeDate", source="rule", rule="InvoiceDueDate + 1 day")
    load = load_rows(tmp_path, [dict(account="1001", due="06/30/2024", number="9001"),
                                dict(account="1002", due="12/31/9999", number="9002")])
    errors = list(load.records.filter(status="error").values_list("line", "errors"))
    assert len(errors) == 1 and errors[0][0] == 2
    message = errors[0][1][0]
    assert message["field"] == "LateFeeDate" and "'9999-12-31'" in message["message"]
    approve(login("support2"), load)
    assert load.status == "loaded", load.failure
    assert list(Invoice.objects.filter(biller=demo["demo-watersmart"]).values_list("invoice_number", flat=True)) == ["9001"]
    assert Load.objects.get(pk=load.pk).status == "loaded"
