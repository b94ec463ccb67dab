"""Browser leg: the demo users in a real Chromium against the live server.

Run with `bash .ci/run` or, by hand (Chromium at /usr/bin/chromium):
    ICPORTAL_BROWSER_LEG=1 bin/test -m browser
Screenshots of every step: artifacts/browser/<test>/NN-step.png (the run prints the folder).
"""
import pytest
from playwright.sync_api import expect

from billers.models import Biller

pytestmark = pytest.mark.browser

# Django's inline script adds an "Add another" row to every inline, hidden when adding is not
# allowed: what counts is what the user can see.
VISIBLE_ADD_LINKS = "a.addlink:visible, .add-row a:visible"
INVALID_131 = '{"TylerIncode": {"InvoiceConfigs": {"UseBillingAddress": "yes"}}}'
# A real #131 document holds keys the portal does not act on: kept, and named on the page.
EXTRA_131 = '{"TylerIncode": {"InvoiceConfigs": {"UseBillingAddress": true, "UseBillingAdress": true}}}'


def test_anonymous_visitors_get_the_login_page_and_a_wrong_password_is_refused(browser):
    page = browser.new_page()
    page.goto("/")
    expect(page).to_have_url(f"{browser.base_url}/admin/login/?next=/admin/")
    browser.shot(page, "anonymous-sent-to-login")
    page.get_by_label("Username").fill("support")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".errornote")).to_contain_text("enter the correct username and password")
    browser.shot(page, "wrong-password-refused")


def test_support_logs_in_and_out(browser):
    page = browser.login("support")
    expect(page.get_by_role("heading", name="Billers, loads and exports")).to_be_visible()
    expect(page.locator("#user-tools")).to_contain_text("support")
    browser.shot(page, "support-admin-index")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Logged out")).to_be_visible()
    browser.shot(page, "support-logged-out")
    page.goto("/admin/")
    expect(page).to_have_url(f"{browser.base_url}/admin/login/?next=/admin/")


def test_support_sees_the_billers_on_the_admin_index(browser):
    page = browser.login("support")
    billers = page.locator("tr.model-biller a", has_text="Billers")
    expect(billers).to_be_visible()
    browser.shot(page, "support-admin-index")
    billers.click()
    expect(page.get_by_role("link", name="Demo WaterSmart Utility")).to_be_visible()
    expect(page.get_by_role("link", name="Demo Incode Utility", exact=True)).to_be_visible()
    browser.shot(page, "support-biller-list")


def test_the_auditor_sees_no_add_or_save_buttons(browser):
    page = browser.login("auditor")
    expect(page.locator("tr.model-biller")).to_be_visible()
    expect(page.locator(VISIBLE_ADD_LINKS)).to_have_count(0)
    browser.shot(page, "auditor-admin-index")
    page.locator("tr.model-biller a", has_text="Billers").click()
    expect(page.get_by_role("link", name="Demo Incode Utility", exact=True)).to_be_visible()
    expect(page.locator(VISIBLE_ADD_LINKS)).to_have_count(0)
    browser.shot(page, "auditor-biller-list")
    page.get_by_role("link", name="Demo Incode Utility", exact=True).click()
    expect(page.get_by_role("heading", name="View biller")).to_be_visible()
    expect(page.locator("input[type=submit][name=_save]")).to_have_count(0)
    page.wait_for_load_state("load")  # the inlines' script has added its (hidden) add rows
    expect(page.locator(VISIBLE_ADD_LINKS)).to_have_count(0)
    browser.shot(page, "auditor-biller-page-read-only")


def test_the_implementation_manager_saving_an_invalid_131_sees_the_key_named(browser):
    page = browser.login("im")
    page.goto("/admin/billers/biller/")
    page.get_by_role("link", name="Demo Incode Utility", exact=True).click()
    value = page.locator("textarea", has_text="TylerIncode")
    expect(value).to_have_count(1)
    browser.shot(page, "im-demo-incode")
    value.fill(INVALID_131)
    browser.shot(page, "im-invalid-131-typed")
    page.locator("input[type=submit][name=_save]").click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".errorlist")).to_contain_text("'TylerIncode.InvoiceConfigs.UseBillingAddress' must be boolean")
    browser.shot(page, "im-131-refused-naming-the-key")

    def stored_131():
        return Biller.objects.get(slug="demo-incode").settings.get(setting__setting_id=131).value

    assert '"yes"' not in browser.db(stored_131)
    page.locator("textarea", has_text="TylerIncode").fill(EXTRA_131)
    page.locator("input[type=submit][name=_continue]").click()
    expect(page.locator("body")).to_contain_text("TylerIncode.InvoiceConfigs.UseBillingAdress")
    expect(page.locator(".errornote")).to_have_count(0)
    browser.shot(page, "im-131-saved-with-a-key-not-used")
    assert "UseBillingAdress" in browser.db(stored_131)
