"""Serve leg: the README's first command as a new user runs it (issue 9).

`bin/serve` starts in a throwaway copy of the checkout with no environment but PATH, HOME and
LANG; the test logs in over HTTP, uploads and approves through the admin's forms, and the
portal's own worker parses and loads. tests/support/serve.py has the machinery.
"""
import os
import re
import signal
import time

import pytest

from billers.models import Biller
from ledger.models import Invoice
from tests.support.invoices import write_invoices
from tests.support.processes import wait_for
from tests.support.serve import PortalClient, ServedCopy

pytestmark = pytest.mark.serve

ROWS = 30_000
FINAL = {"loaded", "load_failed", "parse_failed"}


@pytest.fixture
def served(request):
    copies = []

    def start(address=None, **env):
        copy = ServedCopy(address, env)
        copies.append(copy)
        return copy.start()

    yield start
    for copy in copies:
        copy.clean_up()


def biller_id(portal, slug):
    return portal.query("SELECT id FROM billers_biller WHERE slug = ?", slug)[0]


def load_status(portal, load_id):
    return portal.query("SELECT status, failure FROM ingest_load WHERE id = ?", load_id)


def wait_for_load(portal, load_id, wanted, timeout):
    if not wait_for(lambda: load_status(portal, load_id)[0] in wanted, timeout, interval=0.5):
        pytest.fail(f"load {load_id} is {load_status(portal, load_id)}, not {sorted(wanted)}, after {timeout} s:\n"
                    f"{portal.log_tail()}", pytrace=False)
    return load_status(portal, load_id)


def load_events(portal, load_id):
    """'status at +seconds' of each of the load's events, for the log of the leg."""
    rows = portal.rows("SELECT to_status, (julianday(at) - julianday(MIN(at) OVER ())) * 86400 "
                       "FROM ingest_loadevent WHERE load_id = ? ORDER BY at, id", load_id)
    return ", ".join(f"{status} +{seconds:.1f} s" for status, seconds in rows)


def upload(client, portal, path, biller="demo-watersmart", code="watersmart.invoice"):
    url, page = client.post(f"/admin/ingest/load/upload/?biller={biller_id(portal, biller)}",
                            {"biller": biller_id(portal, biller), "file_format": code}, files={"file": path})
    found = re.search(r"/admin/ingest/load/(\d+)/change/", url)
    assert found, f"the upload did not lead to a load page: {url}\n{page[:3000]}"
    return int(found.group(1)), page


def approve(client, load_id):
    url, page = client.post(f"/admin/ingest/load/{load_id}/approve/", {"note": "serve leg"})
    assert url.endswith(f"/admin/ingest/load/{load_id}/change/"), f"approval refused: {url}\n{page[:3000]}"
    return page


def test_bin_serve_on_a_fresh_clone_loads_a_3_mb_file_uploaded_through_the_admin(served, tmp_path):
    portal = served()  # exactly the README's `bin/serve`: 127.0.0.1:8000
    path = write_invoices(tmp_path / "watersmart-30000.csv", 100_000, ROWS)
    assert path.stat().st_size >= 3_000_000
    support = PortalClient(portal.base_url).login("support")

    started = time.monotonic()
    load_id, page = upload(support, portal, path)
    assert load_status(portal, load_id)[0] in {"uploaded", "parsing", "parsed"}
    status, failure = wait_for_load(portal, load_id, {"parsed", "parse_failed"}, 300)
    assert status == "parsed", failure
    parsed = time.monotonic() - started
    assert portal.query("SELECT ok_count, error_count FROM ingest_load WHERE id = ?", load_id) == (ROWS, 0)

    approve(support, load_id)
    status, failure = wait_for_load(portal, load_id, FINAL, 300)
    assert status == "loaded", failure
    loaded = time.monotonic() - started
    count = portal.query(f"SELECT COUNT(*) FROM {Invoice._meta.db_table} i JOIN {Biller._meta.db_table} b "
                         "ON b.id = i.biller_id WHERE b.slug = 'demo-watersmart'")[0]
    assert count == ROWS
    print(f"\nbin/serve: {path.stat().st_size} bytes, {ROWS} rows parsed in {parsed:.1f} s, "
          f"loaded {loaded:.1f} s after the upload; the load's events: {load_events(portal, load_id)}")

    took, left = portal.stop()
    assert not left, f"processes left {took:.1f} s after SIGTERM to bin/serve: {left}\n{portal.log_tail()}"
    assert portal.process.returncode is not None, "bin/serve itself did not exit"
    print(f"bin/serve stopped {took:.1f} s after SIGTERM")


def test_a_load_queued_with_its_worker_killed_says_no_worker_then_loads_once_one_runs(served, tmp_path):
    """Then: a worker with another SECRET_KEY makes the next load fail, naming the cause."""
    threshold = 5
    portal = served("127.0.0.1:8011", NO_WORKER_AFTER_SECONDS=str(threshold))  # bin/serve ADDRESS:PORT
    support = PortalClient(portal.base_url).login("support")
    worker = portal.worker_group()
    assert worker, f"no qcluster under bin/serve:\n{portal.log_tail()}"
    os.killpg(worker, signal.SIGKILL)  # the worker dies; bin/serve keeps serving
    assert wait_for(lambda: portal.worker_group() is None, 10)

    load_id, _ = upload(support, portal, write_invoices(tmp_path / "small.csv", 700_000, 50))
    started = time.monotonic()

    def says_no_worker():
        return "no worker is running: start `manage.py qcluster`" in support.get(
            f"/admin/ingest/load/{load_id}/change/")[1]

    # the threshold, the heartbeat's 3 s lifetime, and a page view
    assert wait_for(says_no_worker, threshold + 15, interval=0.5), portal.log_tail()
    assert time.monotonic() - started <= threshold + 15
    assert load_status(portal, load_id)[0] == "uploaded"

    second = portal.manage("qcluster")  # a worker again: the queued parse runs
    status, failure = wait_for_load(portal, load_id, {"parsed", "parse_failed"}, 120)
    assert status == "parsed", failure
    assert not says_no_worker()
    approve(support, load_id)
    status, failure = wait_for_load(portal, load_id, FINAL, 120)
    assert status == "loaded", failure

    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0

    # a worker started with another SECRET_KEY drops the portal's tasks: the load fails, saying why
    foreign = portal.manage("qcluster", SECRET_KEY="another-key-" + "x" * 40)
    load_id, _ = upload(support, portal, write_invoices(tmp_path / "refused.csv", 800_000, 50))

    def says_other_key():
        return "signs with another SECRET_KEY" in support.get(f"/admin/ingest/load/{load_id}/change/")[1]

    assert wait_for(says_other_key, 60, interval=0.5), portal.log_tail()
    status, failure = load_status(portal, load_id)
    assert status == "parse_failed" and "SECRET_KEY" in failure and "Q_CLUSTER_NAME" in failure
    foreign.send_signal(signal.SIGTERM)
    assert foreign.wait(timeout=15) == 0
    assert "the task's signature does not verify here" in portal.log_path.read_text(errors="replace")

    took, left = portal.stop()
    assert not left, f"processes left {took:.1f} s after SIGTERM to bin/serve: {left}\n{portal.log_tail()}"
