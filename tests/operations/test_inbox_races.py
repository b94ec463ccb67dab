"""The same file is loaded once when two inbox scans run at the same instant (issue 15), on
PostgreSQL with two real connections released together: one copy dropped, or two copies under
two names."""
import pytest
from django.db import connection

from ingest.models import Load
from operations import inbox
from operations.models import InboxFile, InboxOutcome
from tests.support.inbox import drop_invoices, listing
from tests.support.races import run_together

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's test database has no row locks"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # groups come back
]

WS = "demo-watersmart"


def test_one_file_seen_by_two_scans_at_once_is_taken_once(demo, root):
    drop_invoices(root, WS, "WS_Invoice_1.csv", 600_000, 50)
    assert inbox.scan(root) == []                 # sighted: the next scans may take it
    outcomes = run_together(lambda: inbox.scan(root), lambda: inbox.scan(root))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(len(o) for o in outcomes) == [0, 1]
    assert Load.objects.count() == 1
    assert list(InboxFile.objects.values_list("name", "outcome")) == [("WS_Invoice_1.csv", InboxOutcome.LOADED)]
    assert listing(root, WS) == ["processed/WS_Invoice_1.csv", "processed/WS_Invoice_1.csv.note.txt"]


def test_two_copies_taken_by_two_scans_at_once_are_loaded_once(demo, root):
    drop_invoices(root, WS, "WS_Invoice_a.csv", 610_000, 50)
    drop_invoices(root, WS, "WS_Invoice_b.csv", 610_000, 50)
    inbox.scan(root)
    outcomes = run_together(lambda: inbox.scan(root), lambda: inbox.scan(root))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Load.objects.count() == 1
    assert sorted(InboxFile.objects.values_list("outcome", flat=True)) == [InboxOutcome.DUPLICATE,
                                                                          InboxOutcome.LOADED]
    assert len(listing(root, WS)) == 4 and len([p for p in listing(root, WS) if p.startswith("rejected/")]) == 2
