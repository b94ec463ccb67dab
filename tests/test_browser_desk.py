"""Browser leg of issue 12: the support desk in a real Chromium against the live server.

The dashboard for each role, the biller hub with its charts drawn, a wrong-format upload
refused with the hint, a 0-ok approval refused, the load page's order (counts and plan above
the file metadata), search by account number, the preview's record search, and the lists'
key columns at 1366 px. Screenshots: artifacts/browser/<test>/NN-step.png.
"""
import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.shared import shared

pytestmark = pytest.mark.browser

BILLER = "Demo WaterSmart Utility"
SLUG = "demo-watersmart"
ALL_ERRORS = ("AccountNumber,CustomerName" + ",c" * 14 + "\n"
              "100234,Smith,1 Oak,,Fresno,CA,93701,13/45/2025,02/05/2025,84.16,0.00,5001001,1,0,0,\n"
              "100235,Lopez,2 Oak,,Fresno,CA,93701,01/15/2025,02/05/2025,9.00,0.00,5001002,3,0,0,\n")


def load_sample(name="watersmart_invoice.csv", slug=SLUG, code="watersmart.invoice", approve=True):
    """Upload, parse and (optionally) load a sample through the pipeline, as support/support2."""
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    from billers.models import Biller
    from ingest import pipeline

    support, support2 = User.objects.get(username="support"), User.objects.get(username="support2")
    file = SimpleUploadedFile(name, shared("samples", name).read_bytes())
    load = pipeline.start_parse(pipeline.upload(Biller.objects.get(slug=slug), code, file, support), support)
    if approve:
        pipeline.approve(load, support2, acknowledge_errors=True)
        load = pipeline.start_load(load, support2)
    return load.pk


def bigger_file():
    """A second WaterSmart file with far more invoices: its load is flagged on the hub."""
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    from billers.models import Biller
    from ingest import pipeline

    header = shared("samples", "watersmart_invoice.csv").read_text().splitlines()[0]
    rows = [f"{3000 + n},Name {n},1 Main,,Fresno,CA,93701,01/20/2025,02/10/2025,{10 + n}.00,,{7000 + n},1"
            for n in range(12)]
    file = SimpleUploadedFile("february.csv", (header + "\n" + "\n".join(rows) + "\n").encode())
    support = User.objects.get(username="support")
    pipeline.start_parse(pipeline.upload(Biller.objects.get(slug=SLUG), "watersmart.invoice", file, support), support)


def test_each_role_gets_its_dashboard_and_the_biller_hub_draws_its_charts(browser):
    browser.db(load_sample)
    browser.db(bigger_file)
    browser.db(load_sample, "incode_invoice.xml", "demo-incode", "incode.invoice.include_dashes", False)

    support = browser.login("support")
    support.goto("/admin/")
    expect(support.locator("#upload-a-file")).to_be_visible()
    expect(support.locator("#panel-waiting")).to_contain_text("february.csv")
    expect(support.locator("#panel-waiting")).to_contain_text("incode_invoice.xml")
    expect(support.locator("#panel-billers")).to_contain_text(BILLER)
    expect(support.locator("#panel-runs")).to_be_visible()
    expect(support.locator("#panel-changes")).to_have_count(0)
    expect(support.locator("tr.model-biller")).to_be_visible()          # the tables stay below
    browser.shot(support, "support-dashboard")

    auditor = browser.login("auditor")
    auditor.goto("/admin/")
    expect(auditor.locator("#read-only-note")).to_be_visible()
    expect(auditor.locator("#upload-a-file")).to_have_count(0)
    expect(auditor.locator("#panel-waiting")).to_contain_text("february.csv")
    browser.shot(auditor, "auditor-dashboard")

    manager = browser.login("im")
    manager.goto("/admin/")
    expect(manager.locator("#panel-changes")).to_be_visible()
    browser.shot(manager, "implementation-manager-dashboard")

    support.locator("#panel-billers").get_by_role("link", name=BILLER).click()
    expect(support.get_by_role("heading", name=f"{BILLER}: loads, exports and configuration")).to_be_visible()
    for chart in ("chart-records", "chart-total", "chart-errors", "chart-payments"):
        svg = support.locator(f"#{chart} svg")
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box["width"] > 200 and box["height"] > 100, (chart, box)
    expect(support.locator("#chart-records rect.bar")).to_have_count(2)
    expect(support.locator("#chart-records rect.bar.flagged")).to_have_count(1)   # 4 -> 12 invoices
    expect(support.locator("#hub-loads")).to_contain_text("flagged")
    expect(support.locator("#upload-for-biller")).to_be_visible()
    browser.shot(support, "support-biller-hub-charts")
    support.get_by_role("link", name="last 90 days").click()
    expect(support.get_by_role("heading", name=re.compile("Charts, last 90 days"))).to_be_visible()
    support.locator("#upload-for-biller").click()
    expect(support.get_by_role("heading", name=f"Upload a partner file for {BILLER}")).to_be_visible()


def upload(browser, page, path, code, step):
    page.goto("/admin/ingest/load/upload/")
    page.get_by_label("Biller").select_option(label=BILLER)
    page.get_by_role("button", name="Next: choose the format").click()
    page.get_by_label("Format").select_option(value=code)
    page.get_by_label("File:", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_load_state()
    browser.shot(page, step)


def test_support_is_guarded_against_the_wrong_file_and_reads_the_decision_first(browser, tmp_path):
    support = browser.login("support")

    upload(browser, support, shared("samples", "incode_invoice.xml"), "watersmart.invoice", "wrong-format-refused")
    expect(support.locator(".errornote, .errorlist")).to_contain_text(
        "this looks like an Incode XML invoice file, not watersmart.invoice; choose incode.invoice.skip_landlord "
        "or incode.invoice.include_dashes")
    expect(support).to_have_url(re.compile(r"/load/upload/\?biller=\d+$"))

    bad = tmp_path / "all_errors.csv"
    bad.write_text(ALL_ERRORS)
    upload(browser, support, bad, "watersmart.invoice", "all-errors-load")
    load_id = int(re.search(r"/load/(\d+)/change/", support.url).group(1))
    expect(support.locator("#nothing-to-load")).to_contain_text("there is nothing to load")
    expect(support.locator(".object-tools").get_by_role("link", name="Approve", exact=True)).to_have_count(0)
    approver = browser.login("support2")
    approver.goto(f"/admin/ingest/load/{load_id}/approve/")
    expect(approver.locator("#refusal")).to_contain_text(f"load {load_id} has no ok records (2 errors, 0 skipped)")
    expect(approver.get_by_role("button", name="Approve and load")).to_have_count(0)
    browser.shot(approver, "zero-ok-approval-refused")

    upload(browser, support, shared("samples", "watersmart_invoice.csv"), "watersmart.invoice", "sample-load-page")
    expect(support.locator("#status-badge")).to_have_text("parsed (preview ready)")
    expect(support.locator("#primary-action")).to_have_text("Approve")
    tops = {name: support.locator(selector).bounding_box()["y"] for name, selector in (
        ("badge", "#status-badge"), ("summary", "#summary"), ("plan", "#plan"), ("comparison", "#comparison"),
        ("errors", "#error-fields"), ("records", "#records"), ("metadata", "#load-metadata-heading"),
        ("sha256", ".field-sha256"))}
    assert list(tops) == sorted(tops, key=tops.get), tops
    browser.shot(support, "load-page-decision-first")

    support.locator("#record-q").fill("100235")
    support.get_by_role("button", name="Find").click()
    expect(support.locator("#records tbody tr")).to_have_count(1)
    expect(support.locator("#records tbody tr td").nth(2)).to_have_text("100235")
    browser.shot(support, "preview-record-search")

    support.goto("/admin/ingest/load/")
    support.locator("#changelist-search").get_by_role("textbox").fill("100234")
    support.get_by_role("button", name="Search").click()
    rows = support.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)                 # the sample and the all-errors file both hold 100234
    expect(rows.first).to_contain_text("watersmart_invoice.csv")
    browser.shot(support, "load-search-by-account-number")


def payment_and_run():
    from billers.models import Biller
    from exports.activity import import_activity
    from exports.runs import run_export
    from tests.support.activity import make_csv, payment_row

    biller = Biller.objects.get(slug=SLUG)
    import_activity("payments", biller, make_csv("payments", [payment_row(
        AccountNumber="100234", CustomerName="Smith, Joseph A.", PaymentGUID="desk-1",
        PaymentDate="2025-03-09T12:00:00-08:00", PaymentAmount="84.16", InvoiceNumber="5001001")]))
    run_export(biller, "watersmart.payments", datetime.date(2025, 3, 9))


def test_the_lists_show_their_key_columns_at_1366_px(browser):
    browser.db(load_sample)
    browser.db(payment_and_run)
    page = browser.login("support")
    page.set_viewport_size({"width": 1366, "height": 900})
    for url in ("/admin/ingest/load/", "/admin/exports/exportrun/", "/admin/billers/account/",
                "/admin/billers/invoice/", "/admin/exports/payment/"):
        page.goto(url)
        table = page.locator("#result_list")
        expect(table).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        browser.shot(page, f"list-1366-{url.strip('/').replace('/', '-')}")
        assert width <= 1366, (url, width)
