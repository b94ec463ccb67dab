"""Browser leg: the auditor opens the demo Incode biller's generated technical design in a real
Chromium (the HTML page of the admin, diagram as inline SVG) and downloads the Markdown; the
screenshots stay in artifacts/browser/<test>/."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def biller_id(slug):
    from billers.models import Biller

    return Biller.objects.get(slug=slug).pk


def test_the_auditor_reads_the_incode_technical_design(browser):
    pk = browser.db(biller_id, "demo-incode")
    page = browser.login("auditor")
    page.goto(f"/admin/billers/biller/{pk}/change/")
    page.get_by_role("link", name="Technical design, generated from this configuration").click()
    expect(page.locator("h1")).to_contain_text("Technical design: Demo Incode Utility")
    for section in ("1. Integration overview", "3. BIF customizations", "6. Data flows", "8. Integration modifications"):
        expect(page.get_by_role("heading", name=section)).to_be_visible()
    expect(page.locator("#bif-table")).to_contain_text("InvoiceDueDate + 1 day")
    diagram = page.locator("svg.data-flow")
    expect(diagram).to_be_visible()
    assert diagram.bounding_box()["width"] > 600
    expect(page.locator("table.fields").first).to_be_visible()
    expect(page.get_by_text("ITG-3980", exact=True)).to_be_visible()
    browser.shot(page, "incode-technical-design")
    diagram.screenshot(path=str(browser.artifacts / "incode-data-flow-diagram.png"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Download Markdown").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert "| ITG-2193 |" in text and "| Custom24 | IH |" in text
