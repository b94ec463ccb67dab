"""The preview's own plan (PostgreSQL: `classify_invoices(preview=True)` and
`classify_preview_accounts`) against the load's (`classify_invoices`, `classify_accounts`,
the reference): the same actions for every record, the same conflicts and counts, on the
same staged records and ledger."""
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings, strategies as st

from ingest import setbased
from ledger.models import Invoice
from tests.support.loadkit import demo, login, upload  # noqa: F401
from tests.ingest.test_set_based import loaded, ws_file

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based plan is PostgreSQL's")


def plans(load):
    """(preview's, reference's): each a dict staged id -> (account action, invoice action), the
    conflicts and the counts, computed over the load's staged ok records (rolled back)."""
    found = []
    with transaction.atomic():
        setbased.tune_transaction()
        for preview in (True, False):
            setbased.classify_invoices(load, preview=preview)
            conflicts = setbased._invoice_conflicts()
            (setbased.classify_preview_accounts if preview else setbased.classify_accounts)()
            actions = dict((staged_id, (account, invoice)) for staged_id, account, invoice in setbased._fetch(
                f"SELECT staged_id, account_action, invoice_action FROM {setbased.ACCOUNT_PLAN}"))
            found.append((actions, conflicts, setbased._invoice_totals()))
        transaction.set_rollback(True)
    return found


def parsed_again(tmp_path, name, rows):
    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", ws_file(tmp_path, name, rows),
                     allow_duplicate=True)
    load.refresh_from_db()
    assert load.status == "parsed", load.failure
    return load


FIRST = [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "20.00", "9002"), ("1003", "Cy", "30.00", "9003"),
         ("1004", "Di", "40.00", "9004")]


def test_the_preview_plan_gives_every_record_the_reference_plans_actions(demo, tmp_path):
    loaded(tmp_path, "a.csv", FIRST)
    rows = [("1001", "Ann", "10.00", "9001"),            # unchanged
            ("1002", "Bob", "21.00", "9002"),            # the invoice updated, the account's balance
            ("1003", "Cy C", "31.00", "9003"),           # the name and the invoice, which is paid: a conflict
            ("1004", "Di", "40.00", "9010"), ("1004", "Dee", "41.00", "9011"), ("1004", "Di", "40.00", "9012"),
            ("1005", "Ed", "5.00", "9005"), ("1005", "Ed", "5.00", "9006"), ("1005", "Eddy", "6.00", "9007"),
            ("1006", "Flo", "2.00", "9004"),             # an invoice of another account moves to a new one
            ("1002", "Bob", "20.00", "9008")]            # a second invoice sets the balance back
    load = parsed_again(tmp_path, "b.csv", rows)
    Invoice.objects.filter(invoice_number="9003").update(amount_paid=Decimal("1.00"))
    Invoice.objects.filter(invoice_number="9001").update(amount_paid=Decimal("1.00"))  # unchanged: no conflict
    preview, reference = plans(load)
    assert preview == reference
    actions, conflicts, counts = preview
    assert len(conflicts) == 1 and len(actions) == len(rows) - 1
    assert {a for a, _ in actions.values()} == {"new", "updated", "unchanged"}


NUMBERS = st.sampled_from(["1001", "1002", "1003", "1004", "1005", "1006"])
ROWS = st.lists(st.tuples(NUMBERS, st.sampled_from(["Ann", "Bob", "Ann B", ""]),
                          st.sampled_from(["10.00", "20.00", "21.00", "0.00"]),
                          st.sampled_from(["9001", "9002", "9003", "9004", "9005", "9006", "9007"])),
                min_size=1, max_size=12)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, paid=st.sampled_from(["9001", "9002", "none"]))
def test_the_preview_plan_agrees_with_the_reference_on_any_file(demo, tmp_path, rows, paid):
    if not Invoice.objects.exists():
        loaded(tmp_path, "a.csv", FIRST)
    load = parsed_again(tmp_path, "b.csv", rows)
    Invoice.objects.filter(invoice_number=paid).update(amount_paid=Decimal("1.00"))
    preview, reference = plans(load)
    assert preview == reference
    Invoice.objects.filter(invoice_number=paid).update(amount_paid=Decimal("0.00"))
