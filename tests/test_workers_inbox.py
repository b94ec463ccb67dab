"""Workers leg, the watched inbox (issue 15): two real qclusters on Redis and PostgreSQL run the
operations schedule; a file copied into a biller's inbox folder is picked up, approved by the
biller's rule and loaded with no click, and a second copy of it is not loaded."""
import shutil
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from billers.models import AutoApprovalRule, Biller, FileFormat
from ledger.models import Invoice
from ingest import pipeline
from ingest.models import Load, LoadEvent, LoadStatus
from operations.models import InboxFile, InboxOutcome
from operations.schedule import sync_schedule
from tests.support.invoices import write_invoices
from tests.support.processes import wait_for

pytestmark = pytest.mark.workers

WS = "demo-watersmart"
CODE = "watersmart.invoice"
TIMEOUT = 240  # the scheduler looks every ~30 s; a file is taken by the second scan that sees it


@pytest.fixture
def fast_inbox(settings, tmp_path):
    """Set before the clusters start: they get INBOX_ROOT and INBOX_SCAN_SECONDS from these settings."""
    settings.INBOX_ROOT = tmp_path / "inbox"
    settings.INBOX_ROOT.mkdir()
    settings.INBOX_SCAN_SECONDS = 5
    return settings.INBOX_ROOT


def load_by_hand(path):
    """The previous load of the rule's comparison, parsed, approved and loaded in this process."""
    biller = Biller.objects.get(slug=WS)
    with open(path, "rb") as handle:
        from django.core.files import File
        load = pipeline.upload(biller, CODE, File(handle, name=path.name), User.objects.get(username="support"))
    pipeline.parse_load(load.pk)
    pipeline.approve(load, User.objects.get(username="support2"))
    load = pipeline.run_load(load.pk)
    assert load.status == LoadStatus.LOADED, load.failure
    return load


def wait_or_fail(condition, what, clusters):
    if not wait_for(condition, TIMEOUT, interval=0.5):
        logs = "\n".join(f"--- {c.label} ({c.log_path}):\n{c.log_tail(40)}" for c in clusters)
        pytest.fail(f"{what} within {TIMEOUT} s\n{logs}", pytrace=False)


def test_a_file_copied_into_the_inbox_is_loaded_with_no_click_and_a_second_copy_is_not(
        fast_inbox, qclusters, demo, tmp_path):
    load_by_hand(write_invoices(tmp_path / "previous.csv", 500_000, 40))
    AutoApprovalRule.objects.create(biller=Biller.objects.get(slug=WS), file_format=FileFormat.objects.get(code=CODE),
                                    count_tolerance_pct=Decimal("10"), total_tolerance_pct=Decimal("50"))
    sync_schedule()
    source = write_invoices(tmp_path / "WS_Invoice_20250310.csv", 510_000, 40)
    folder = fast_inbox / WS
    folder.mkdir(exist_ok=True)
    shutil.copy(source, folder / source.name)

    def loaded():
        return Load.objects.filter(original_name=source.name, status=LoadStatus.LOADED).first()

    wait_or_fail(loaded, f"{source.name} not loaded from the inbox", qclusters)
    load = loaded()
    assert load.uploaded_by is None and load.approved_by is None
    approved = LoadEvent.objects.get(load=load, to_status=LoadStatus.APPROVED)
    assert approved.user is None and approved.note.startswith("approved automatically by rule ")
    assert Invoice.objects.filter(biller__slug=WS, account__account_number__in=["510000", "510039"]).count() == 2
    assert (folder / "processed" / source.name).read_bytes() == source.read_bytes()

    shutil.copy(source, folder / "WS_Invoice_20250310_again.csv")
    wait_or_fail(lambda: InboxFile.objects.filter(name="WS_Invoice_20250310_again.csv").exists(),
                 "the second copy not taken", qclusters)
    second = InboxFile.objects.get(name="WS_Invoice_20250310_again.csv")
    assert second.outcome == InboxOutcome.DUPLICATE and second.load is None
    assert Load.objects.filter(sha256=load.sha256).count() == 1
    assert (folder / "rejected" / "WS_Invoice_20250310_again.csv").exists()
