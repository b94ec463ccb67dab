"""Browser leg, the whole scenario of issue 6 in a real Chromium against the live server.

support uploads the WaterSmart sample, reads the preview with its errors, approves with the
acknowledgement (refused without it), finds the load in the history and runs the outbound
files; the auditor then opens the load and downloads its error report and an outbound file,
and has no button to upload, approve or run.

Run with `bash .ci/run` or `ICPORTAL_BROWSER_LEG=1 bin/test -m browser`; screenshots of every
step: artifacts/browser/<test>/NN-step.png.
"""
import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.shared import shared

pytestmark = pytest.mark.browser

BILLER = "Demo WaterSmart Utility"
SLUG = "demo-watersmart"
FORMAT = "watersmart.invoice"
BUSINESS_DATE = datetime.date(2025, 3, 9)
ACKNOWLEDGEMENT = "Load 4 ok records, leave 3 errors in the error report"
# line, field, message fragment: the sample's three error records
ERRORS = [(5, "InvoiceDate", "'01/45/2025' is not a date"), (6, "InvoiceTypeID", "must be 1"),
          (7, "InvoiceNumber", "duplicate of line 2")]
ICPAYMENTS_HEADER = (b"InvoiceNumber,InvoiceGUID,AccountNumber,CustomerName,PaymentGUID,PaymentDate,PaymentTypeID,"
                     b"PaymentTypeDesc,PaymentAmount,ConvenienceFee,PaymentReference,PaymentMessage,Approved,"
                     b"BillerReference,Offline,LocationReference,WSReportID,CheckNumber\r\n")


def summary_cell(page, label):
    """The value cell of one row of the preview's summary table (#summary)."""
    row = page.locator("#summary tr").filter(has=page.locator("th", has_text=re.compile(f"^{label}$")))
    return row.locator("td")


def test_support_loads_the_watersmart_sample_and_runs_outbound_files_then_the_auditor_downloads(browser):
    sample = shared("samples", "watersmart_invoice.csv")
    support = browser.login("support")

    load_id = support_uploads_and_reads_the_preview(browser, support, sample)
    support_approves_with_the_acknowledgement(browser, support, load_id)
    support_finds_the_load_in_the_history(browser, support, load_id)
    # the four ok records, line 3's invoice number made from the account and the invoice date
    assert browser.db(invoice_numbers) == ["100235-20250115", "5001001", "5001003", "5001007"]

    browser.db(import_payment)
    file_name = support_runs_the_outbound_files(browser, support)

    auditor = browser.login("auditor")
    auditor_downloads_the_error_report(browser, auditor, load_id)
    auditor_downloads_the_outbound_file(browser, auditor, file_name)


# --- support: upload, preview, approve, history -------------------------------------------------

def support_uploads_and_reads_the_preview(browser, page, sample):
    page.goto("/admin/ingest/load/")
    page.get_by_role("link", name="Upload a partner file").click()
    expect(page.get_by_role("heading", name="Upload a partner file")).to_be_visible()
    page.get_by_label("Biller").select_option(label=BILLER)
    browser.shot(page, "support-upload-choose-biller")
    page.get_by_role("button", name="Next: choose the format").click()

    expect(page.get_by_role("heading", name=f"Upload a partner file for {BILLER}")).to_be_visible()
    page.get_by_label("Format").select_option(value=FORMAT)
    page.get_by_label("File:", exact=True).set_input_files(str(sample))
    browser.shot(page, "support-upload-format-and-file")
    page.get_by_role("button", name="Upload and preview").click()

    expect(page).to_have_url(re.compile(r"/admin/ingest/load/\d+/change/$"))
    load_id = int(re.search(r"/load/(\d+)/change/", page.url).group(1))
    expect(page.locator(".messagelist")).to_contain_text(f"Load {load_id} (watersmart_invoice.csv) is parsed")
    expect(summary_cell(page, "records")).to_have_text("7")
    expect(summary_cell(page, "ok")).to_have_text("4")
    expect(summary_cell(page, "error")).to_have_text("3")
    error_fields = page.locator("#error-fields")
    for line, field, _ in ERRORS:
        row = error_fields.locator("tr").filter(has=page.locator("td", has_text=re.compile(f"^{field}$")))
        expect(row).to_contain_text(f"line {line}:")
    browser.shot(page, "support-preview-with-errors")

    page.locator("#record-filters").get_by_role("link", name="error (3)").click()
    errors = page.locator("#records tbody tr")
    expect(errors).to_have_count(3)
    for row, (line, field, fragment) in zip(errors.all(), ERRORS):
        expect(row.locator("td").first).to_have_text(str(line))
        expect(row).to_have_class("status-error")
        expect(row.locator("td").last).to_contain_text(f"{field}:")
        expect(row.locator("td").last).to_contain_text(fragment)
    browser.shot(page, "support-preview-error-records")
    return load_id


def support_approves_with_the_acknowledgement(browser, page, load_id):
    page.locator(".object-tools").get_by_role("link", name="Approve", exact=True).click()
    expect(page.get_by_role("heading", name=f"Approve load {load_id}")).to_be_visible()
    acknowledgement = page.get_by_label(ACKNOWLEDGEMENT)
    expect(acknowledgement).not_to_be_checked()
    browser.shot(page, "support-approve-page")

    page.get_by_role("button", name="Approve and load").click()   # without the acknowledgement
    expect(page.locator(".errorlist.nonfield")).to_contain_text("must be acknowledged explicitly")
    expect(page.get_by_role("heading", name=f"Approve load {load_id}")).to_be_visible()
    browser.shot(page, "support-approve-refused-without-acknowledgement")

    page.get_by_label(ACKNOWLEDGEMENT).check()
    page.get_by_label("Note").fill("three errors reported to the biller")
    browser.shot(page, "support-approve-acknowledged")
    page.get_by_role("button", name="Approve and load").click()

    expect(page).to_have_url(re.compile(rf"/admin/ingest/load/{load_id}/change/$"))
    expect(page.locator(".messagelist")).to_contain_text(f"Load {load_id} approved; it is loaded.")
    expect(page.locator(".field-status .readonly")).to_have_text("loaded")
    expect(page.locator(".object-tools").get_by_role("link", name="Approve", exact=True)).to_have_count(0)
    browser.shot(page, "support-load-loaded")


def support_finds_the_load_in_the_history(browser, page, load_id):
    page.locator(".breadcrumbs").get_by_role("link", name="Loads").click()
    expect(page.get_by_role("heading", name="Select load to view")).to_be_visible()
    # Django shows the biller filter only when loads of two billers exist: status and search here
    page.locator("#changelist-filter").get_by_role("link", name="loaded", exact=True).click()
    expect(page).to_have_url(re.compile(r"status__exact=loaded"))
    page.locator("#changelist-search").get_by_role("textbox").fill("watersmart_invoice")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=watersmart_invoice"))
    expect(page).to_have_url(re.compile(r"status__exact=loaded"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("watersmart_invoice.csv")
    expect(rows.first.get_by_role("link", name=str(load_id), exact=True)).to_be_visible()
    browser.shot(page, "support-load-history-filtered")


def invoice_numbers():
    from ledger.models import Invoice

    return sorted(Invoice.objects.filter(biller__slug=SLUG).values_list("invoice_number", flat=True))


# --- support: outbound files -------------------------------------------------------------------

def import_payment():
    """One approved card payment on an account the load just created, on the business date."""
    from billers.models import Biller
    from exports.activity import import_activity
    from tests.support.activity import make_csv, payment_row

    result = import_activity("payments", Biller.objects.get(slug=SLUG), make_csv("payments", [payment_row(
        AccountNumber="100234", CustomerName="Smith, Joseph A.", PaymentGUID="browser-1",
        PaymentDate="2025-03-09T12:00:00-08:00", PaymentAmount="84.16", InvoiceNumber="5001001")]))
    assert (result.imported, result.errors) == (1, [])


def support_runs_the_outbound_files(browser, page):
    page.goto("/admin/exports/exportrun/")
    page.get_by_role("link", name="Run outbound files", exact=True).click()
    expect(page.get_by_role("heading", name="Run outbound files")).to_be_visible()
    page.get_by_label("Biller and format").select_option(label=f"{BILLER} watersmart.payments")
    page.get_by_label("Business date").fill(BUSINESS_DATE.isoformat())
    browser.shot(page, "support-run-outbound-files-form")
    page.get_by_role("button", name="Run", exact=True).click()

    expect(page).to_have_url(re.compile(r"/admin/exports/exportrun/\d+/change/$"))
    expect(page.locator(".messagelist")).to_contain_text("carried 1 record(s) into 1 file(s)")
    link = page.locator(".field-download a", has_text=re.compile(r"^ICPayments_\d{14}\.csv$"))
    expect(link).to_have_count(1)
    browser.shot(page, "support-export-run")
    return link.inner_text()


# --- the auditor: read-only, downloads ---------------------------------------------------------

def auditor_downloads_the_error_report(browser, page, load_id):
    page.goto("/admin/ingest/load/")
    expect(page.get_by_role("heading", name="Select load to view")).to_be_visible()
    expect(page.get_by_role("link", name="Upload a partner file")).to_have_count(0)
    browser.shot(page, "auditor-load-history")
    page.locator("#result_list").get_by_role("link", name=str(load_id), exact=True).click()

    expect(page.get_by_role("heading", name="View load")).to_be_visible()
    expect(page.locator(".field-status .readonly")).to_have_text("loaded")
    tools = page.locator(".object-tools")
    for label in ("Approve", "Reject", "Retry", "Re-parse"):
        expect(tools.get_by_role("link", name=label, exact=True)).to_have_count(0)
    expect(page.locator("input[type=submit]")).to_have_count(0)
    expect(page.locator(".field-uploaded_by_name .readonly")).to_have_text("support")
    expect(page.locator(".field-uploaded_by_name a")).to_have_count(0)   # no link to a user record
    browser.shot(page, "auditor-load-page-read-only")

    with page.expect_download() as info:
        tools.get_by_role("link", name="Error report (CSV)").click()
    download = info.value
    assert download.suggested_filename == f"load-{load_id}-errors.csv"
    report = Path(download.path()).read_bytes()
    assert report.startswith(b"\xef\xbb\xbfline,status,field,message,")
    lines = report.decode("utf-8-sig").split("\r\n")
    for line, field, fragment in ERRORS:
        matching = [text for text in lines if text.startswith(f"{line},error,{field},")]
        assert len(matching) == 1 and fragment in matching[0], (line, field, lines)
    assert len([text for text in lines if text]) == 1 + len(ERRORS)

    response = page.goto("/admin/ingest/load/upload/")   # and typing the address does not help
    assert response.status == 403
    response = page.goto(f"/admin/ingest/load/{load_id}/approve/")
    assert response.status == 403
    browser.shot(page, "auditor-approve-refused")


def auditor_downloads_the_outbound_file(browser, page, file_name):
    page.goto("/admin/exports/exportrun/")
    expect(page.get_by_role("heading", name="Select export run to view")).to_be_visible()
    expect(page.get_by_role("link", name="Run outbound files", exact=True)).to_have_count(0)
    browser.shot(page, "auditor-export-runs")
    page.locator("#result_list tbody tr").first.locator("th a").click()

    expect(page.get_by_role("heading", name="View export run")).to_be_visible()
    expect(page.locator("input[type=submit]")).to_have_count(0)
    browser.shot(page, "auditor-export-run")
    with page.expect_download() as info:
        page.locator(".field-download").get_by_role("link", name=file_name).click()
    download = info.value
    assert download.suggested_filename == file_name
    content = Path(download.path()).read_bytes()
    assert content.startswith(ICPAYMENTS_HEADER)
    rows = content.split(b"\r\n")
    assert len(rows) == 3 and rows[2] == b"" and b"browser-1" in rows[1] and b"84.16" in rows[1]

    response = page.goto("/admin/exports/exportrun/run/")
    assert response.status == 403
    browser.shot(page, "auditor-run-refused")
