"""Debian's Chromium driven by Playwright's sync API, for the browser leg.

Never `playwright install`: the browser is /usr/bin/chromium (ICPORTAL_CHROMIUM to change it),
which .ci/run installs with apt-get when it is missing.
"""
import concurrent.futures
import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ICPORTAL_CHROMIUM", "/usr/bin/chromium")
# Headless and quiet: no GPU, no background connections (the machine's network is closed, and
# Chromium would otherwise try Google's hosts at every start).
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
TIMEOUT_MS = 15_000  # for any one step: a click, a navigation, an expectation
DEMO_PASSWORD = "demo"


class BrowserSession:
    """One Chromium, one browser context (cookies) per user, numbered screenshots of each step."""

    def __init__(self, base_url, artifacts):
        from playwright.sync_api import Error, expect, sync_playwright

        if not os.access(CHROMIUM, os.X_OK):
            pytest.fail(f"browser leg: no Chromium at {CHROMIUM} (apt-get install chromium; "
                        f"bash .ci/run installs it)", pytrace=False)
        self.base_url = base_url.rstrip("/")
        self.artifacts = Path(artifacts)
        self.steps = 0
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000)
        except Error as exc:
            self._playwright.stop()
            pytest.fail(f"browser leg: Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
        self._contexts = []
        expect.set_options(timeout=TIMEOUT_MS)

    def new_page(self):
        context = self._browser.new_context(base_url=self.base_url, viewport={"width": 1280, "height": 900},
                                            accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        self._contexts.append(context)
        return context.new_page()

    def login(self, username, password=DEMO_PASSWORD):
        """A fresh context logged in as `username` through the admin's login form; returns its page."""
        page = self.new_page()
        page.goto("/admin/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        self.shot(page, f"{username}-login-form")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        if "/admin/login/" in page.url:
            self.shot(page, f"{username}-login-refused")
            pytest.fail(f"{username} could not log in: still on {page.url}", pytrace=False)
        return page

    def shot(self, page, step):
        """Save a full-page screenshot as NN-step.png in this test's artifacts folder."""
        self.steps += 1
        name = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.artifacts / f"{self.steps:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    @staticmethod
    def db(fn, *args, **kwargs):
        """Run a database query while the browser is open: in a thread of its own, since this
        thread has Playwright's event loop running and Django refuses ORM calls there."""
        from django.db import connection

        def call():
            try:
                return fn(*args, **kwargs)
            finally:
                connection.close()

        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(call).result(timeout=60)

    def shoot_failure(self):
        """A last screenshot of every open page, when the test failed."""
        for context in self._contexts:
            for page in context.pages:
                try:
                    self.shot(page, "failure")
                except Exception:  # the page may be gone: the screenshot is a courtesy
                    pass

    def close(self):
        for context in self._contexts:
            context.close()
        try:
            self._browser.close()
        finally:
            self._playwright.stop()
