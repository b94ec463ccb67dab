"""Fixtures shared by the whole suite, and the gate of the CI legs.

The suite has four kinds of tests beyond the plain ones, each marked (pyproject.toml):

- `workers`: starts two real `manage.py qcluster` processes on Redis and PostgreSQL;
- `browser`: drives Debian's Chromium with Playwright against Django's live server;
- `serve`: runs `bin/serve` (web + worker) from a fresh copy of the checkout, over HTTP;
- `postgresql`: checks what only PostgreSQL does; they run whenever DATABASE_URL names
  PostgreSQL (the postgresql leg).

`bin/test` alone (the sqlite leg) skips them with the reason printed in the summary; the
workers, browser and serve tests have their own legs in `.ci/run`, which set
ICPORTAL_WORKERS_LEG=1 / ICPORTAL_BROWSER_LEG=1 / ICPORTAL_SERVE_LEG=1. With that variable set a missing service, database or browser FAILS
the test: it is never skipped.
"""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "artifacts"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo data once per test database; each test then runs in a transaction."""
    from billers.demo import seed_demo

    with django_db_blocker.unblock():
        seed_demo()


@pytest.fixture
def demo(db):
    """The demo data of DESIGN.md (three billers, four users). Seeded once per session;
    seeding again restores it after tests that flush the database (live server, workers)."""
    from django.contrib.auth.models import User

    from billers.demo import DEMO_BILLERS, DEMO_USERS, seed_demo
    from billers.models import Biller, FileFormat

    seeded = (Biller.objects.filter(slug__in=[b["slug"] for b in DEMO_BILLERS]).count() == len(DEMO_BILLERS)
              and User.objects.filter(username__in=[u for u, _ in DEMO_USERS]).count() == len(DEMO_USERS)
              and FileFormat.objects.exists())
    if not seeded:
        seed_demo()


@pytest.fixture
def client_for(client, demo):
    """A test client logged in as one of the demo users (im, support, support2, auditor)."""
    from django.contrib.auth.models import User

    def login(username):
        client.force_login(User.objects.get(username=username))
        return client

    return login


@pytest.fixture
def shared_dir():
    from tests.shared import shared

    return shared()


LEGS = {
    "workers": ("ICPORTAL_WORKERS_LEG", "two qcluster workers on Redis and PostgreSQL"),
    "browser": ("ICPORTAL_BROWSER_LEG", "Chromium via Playwright against a live server"),
    "serve": ("ICPORTAL_SERVE_LEG", "bin/serve started from a copy of the checkout, on 127.0.0.1:8000"),
}


def leg_enabled(marker):
    return os.environ.get(LEGS[marker][0]) == "1"


def pytest_collection_modifyitems(config, items):
    on_postgresql = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    for item in items:
        for marker, (variable, needs) in LEGS.items():
            if item.get_closest_marker(marker) and not leg_enabled(marker):
                item.add_marker(pytest.mark.skip(
                    reason=f"{marker} leg (needs {needs}): run `bash .ci/run`, or see README.md "
                           f"'Continuous integration' for `{variable}=1 bin/test -m {marker}`"))
        if item.get_closest_marker("postgresql") and not on_postgresql:
            item.add_marker(pytest.mark.skip(
                reason="postgresql leg: run `DATABASE_URL=postgres://... bin/test` or `bash .ci/run`"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, for fixtures that act on failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter):
    for kind in ("browser", "workers"):
        folder = ARTIFACTS / kind
        if leg_enabled(kind) and folder.is_dir():
            terminalreporter.write_line(f"{kind} artifacts (screenshots, logs): {folder}")


def artifact_dir(request, kind):
    """artifacts/<kind>/<test name>/, emptied: what one test leaves for a person to look at."""
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    folder = ARTIFACTS / kind / name
    if folder.exists():
        for old in folder.iterdir():
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def committed_db(transactional_db, django_db_serialized_rollback):
    """A database whose writes are committed, so that other processes and threads see them
    (the live server, qcluster workers); the migrations' data (groups, reference data) is
    put back before each test."""


@pytest.fixture
def qclusters(request, committed_db, monkeypatch):
    """Two real `manage.py qcluster` processes on Redis and the test database, up and
    running; stopped (and anything left of them killed) at teardown, always.

    In the test process async_task enqueues on Redis instead of running inline."""
    from django_q.conf import Conf

    from tests.support.qcluster import require_services, start_clusters, stop_clusters

    require_services()
    monkeypatch.setattr(Conf, "SYNC", False)
    clusters = start_clusters(("A", "B"), artifact_dir(request, "workers"))
    try:
        yield clusters
    finally:
        problems = stop_clusters(clusters)
    if problems:
        pytest.fail("qcluster teardown: " + "; ".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server without a media handler.

    The portal publishes no MEDIA_URL (MEDIA_URL = None: stored files go out only through
    permission-checked views); Django's live server wraps every request in a handler for
    MEDIA_URL and fails on None. The static files handler is kept."""
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = LiveServer(addr, start=False)
    static_handler = server.thread.static_handler
    server.thread.static_handler = lambda media_handler: static_handler(media_handler.application)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def browser(request, live_server, committed_db, demo):
    """Chromium through Playwright's sync API, one context per logged-in user.

    Playwright's sync API runs an event loop in this thread while it is open, and Django
    refuses ORM calls from a thread with a running loop: database set-up happens in fixtures
    before it starts (demo), and a test that must query the database meanwhile uses
    `browser.db(fn)`, which runs fn in a thread of its own."""
    from tests.support.browser import BrowserSession

    session = BrowserSession(live_server.url, artifact_dir(request, "browser"))
    try:
        yield session
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            session.shoot_failure()
    finally:
        session.close()
