"""Shared fixtures, and the gate of the CI legs.

The suite has three kinds of tests beyond the plain ones, each marked (pyproject.toml):

- `workers`: starts two real `manage.py qcluster` processes on Redis and PostgreSQL;
- `browser`: drives Debian's Chromium with Playwright against Django's live server;
- `postgresql`: checks what only PostgreSQL does; they run whenever DATABASE_URL names
  PostgreSQL (the postgresql leg).

`bin/test` alone (the sqlite leg) skips them with the reason printed in the summary; the
workers and browser tests have their own legs in `.ci/run`, which set ICPORTAL_WORKERS_LEG=1 /
ICPORTAL_BROWSER_LEG=1. With that variable set a missing service, database or browser FAILS
the test: it is never skipped.
"""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"

LEGS = {
    "workers": ("ICPORTAL_WORKERS_LEG", "two qcluster workers on Redis and PostgreSQL"),
    "browser": ("ICPORTAL_BROWSER_LEG", "Chromium via Playwright against a live server"),
}


def leg_enabled(marker):
    return os.environ.get(LEGS[marker][0]) == "1"


def pytest_collection_modifyitems(config, items):
    on_postgresql = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    for item in items:
        for marker, (variable, needs) in LEGS.items():
            if item.get_closest_marker(marker) and not leg_enabled(marker):
                item.add_marker(pytest.mark.skip(
                    reason=f"{marker} leg (needs {needs}): run `{variable}=1 bin/test -m {marker}` "
                           f"with DATABASE_URL and Q_BROKER set, or `bash .ci/run`"))
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
def demo_data(committed_db):
    from billers.demo import seed_demo

    seed_demo()


@pytest.fixture
def browser(request, live_server, demo_data):
    """Chromium through Playwright's sync API, one context per logged-in user.

    Playwright's sync API runs an event loop in this thread while it is open, and Django
    refuses ORM calls from a thread with a running loop: database set-up happens in fixtures
    before it starts (demo_data), and a test that must query the database meanwhile uses
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

