"""What the set-based load could get wrong (issue 11), on both databases: unchanged rows left
alone, several invoices of one account (the last wins), several adjustments of one account in
file order (set and add), a payment made after the preview, strange text surviving staging byte for byte,
and files with nothing to load; the set-based staging and plan against the batch path."""
import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from billers.models import Biller, FileFormat
from ledger.models import Account, Invoice, InvoiceDetail
from ingest import pipeline, setbased
from ingest.models import AdjustmentApplied, Load, LoadStatus, StagedRecord
from ingest.planning import Planner
from ingest.staging import ErrorFields
from tests.support.loadkit import approve, demo, login, upload  # noqa: F401
from tests.support.reversals import ledger_rows, reversed_now
from tests.shared import shared

HEADER = ["AccountNumber", "CustomerName", "Address1", "Address2", "City", "State", "Zip", "InvoiceDate",
          "InvoiceDueDate", "TotalAmountDue", "PastDue", "InvoiceNumber", "InvoiceTypeID"]


def ws_file(tmp_path, name, rows, type_id=1):
    """rows: (account, customer name, amount, invoice number)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for account, customer, amount, number in rows:
        writer.writerow([account, customer, "1 Main St", "", "Fresno", "CA", "93701", "01/15/2025", "02/05/2025",
                         amount, "", number, type_id])
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def parsed(tmp_path, name, rows, code="watersmart.invoice", type_id=1):
    """Upload a WaterSmart invoice file; the load once parsed (its preview ready)."""
    _, load = upload(login("support"), "demo-watersmart", code, ws_file(tmp_path, name, rows, type_id))
    load.refresh_from_db()
    return load


def loaded(tmp_path, name, rows, **kwargs):
    load = parsed(tmp_path, name, rows, **kwargs)
    approve(login("support2"), load)
    assert load.status == "loaded", load.failure
    return load


def snapshot():
    return ({a.account_number: a.updated_at for a in Account.objects.all()},
            {i.invoice_number: (i.updated_at, i.written_by_load) for i in Invoice.objects.all()},
            dict(InvoiceDetail.objects.values_list("pk", "invoice__invoice_number")))


def test_a_reload_rewrites_only_the_changed_invoice_and_account(demo, tmp_path):
    rows = [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "20.00", "9002"), ("1003", "Cy", "30.00", "9003")]
    first = loaded(tmp_path, "a.csv", rows)
    accounts, invoices, details = snapshot()
    rows[1] = ("1002", "Bob", "25.00", "9002")
    second = loaded(tmp_path, "b.csv", rows)
    assert second.plan["invoices"] == {"new": 0, "updated": 1, "unchanged": 2}
    assert second.plan["accounts"] == {"new": 0, "updated": 1, "unchanged": 2}
    accounts_after, invoices_after, details_after = snapshot()
    assert {n: accounts_after[n] == accounts[n] for n in accounts} == {"1001": True, "1002": False, "1003": True}
    assert invoices_after["9001"] == invoices["9001"] == (invoices["9001"][0], first.pk)
    assert invoices_after["9003"] == invoices["9003"]
    assert invoices_after["9002"][1] == second.pk and invoices_after["9002"][0] > invoices["9002"][0]
    # every invoice keeps its detail rows: the updated one's lines (WaterSmart's one constant
    # line) are the same; lines that differ are replaced (the next test)
    assert details_after == details and list(details_after.values()).count("9002") == 1
    assert Account.objects.get(account_number="1002").current_balance == Decimal("25.00")
    third = loaded(tmp_path, "c.csv", rows[::-1])   # the same invoices (another file: not a duplicate)
    assert third.plan["invoices"] == {"new": 0, "updated": 0, "unchanged": 3}
    assert snapshot() == (accounts_after, invoices_after, details_after)


def test_an_invoice_whose_detail_lines_alone_differ_is_updated_and_its_lines_replaced(demo, tmp_path):
    rows = [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "20.00", "9002")]
    loaded(tmp_path, "a.csv", rows)
    lines = list(InvoiceDetail.objects.filter(invoice__invoice_number="9002").values_list("position", "description"))
    assert lines
    InvoiceDetail.objects.filter(invoice__invoice_number="9002").update(description="changed by hand")
    second = loaded(tmp_path, "b.csv", rows[::-1])   # the same invoices (another file: not a duplicate)
    assert second.plan["invoices"] == {"new": 0, "updated": 1, "unchanged": 1}
    assert Invoice.objects.get(invoice_number="9002").written_by_load == second.pk
    assert Invoice.objects.get(invoice_number="9001").written_by_load != second.pk
    assert list(InvoiceDetail.objects.filter(invoice__invoice_number="9002").values_list("position", "description")) == lines
    assert loaded(tmp_path, "c.csv", rows[1:]).plan["invoices"] == {"new": 0, "updated": 0, "unchanged": 1}


def test_the_last_invoice_of_an_account_in_the_file_gives_its_balance_and_fields(demo, tmp_path):
    load = loaded(tmp_path, "a.csv", [("1001", "First", "10.00", "9001"), ("1002", "Other", "7.00", "9004"),
                                      ("1001", "Second", "20.00", "9002"), ("1001", "Third", "5.00", "9003")])
    account = Account.objects.get(account_number="1001")
    assert (account.customer_name, account.current_balance) == ("Third", Decimal("5.00"))
    assert set(account.invoices.values_list("invoice_number", flat=True)) == {"9001", "9002", "9003"}
    assert load.plan["accounts"] == {"new": 2, "updated": 2, "unchanged": 0}
    actions = list(StagedRecord.objects.filter(load=load).order_by("seq").values_list("account_action", flat=True))
    assert actions == ["new", "new", "updated", "updated"]
    # a next file whose later invoice of the account is unchanged and earlier one changed:
    # the balance is still the last invoice's
    loaded(tmp_path, "b.csv", [("1001", "Third", "99.00", "9001"), ("1001", "Third", "5.00", "9003")])
    assert Account.objects.get(account_number="1001").current_balance == Decimal("99.00")


def test_several_adjustments_of_one_account_set_and_add_in_file_order(demo, tmp_path):
    """Both adjustment formats refuse a repeated account today, so the staged records are
    written here as staging writes them, then planned and loaded by the pipeline's code."""
    loaded(tmp_path, "a.csv", [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "20.00", "9002")])
    biller = Biller.objects.get(slug="demo-watersmart")
    load = Load.objects.create(biller=biller, file_format=FileFormat.objects.get(code="watersmart.adjustment"),
                               status=LoadStatus.APPROVED, original_name="adj.csv", sha256="0" * 64, size=1)
    lines = [("1001", "5.00", 1), ("1002", "1.00", 1), ("1001", "100.00", 2), ("1001", "-30.00", 1),
             ("1001", "70.00", 2), ("1001", "0.50", 1)]
    for seq, (account, amount, type_id) in enumerate(lines, start=1):
        StagedRecord.objects.create(
            load=load, seq=seq, line=seq, status="ok", account_number=account, amount=Decimal(amount),
            data={"adjustment": {"AccountNumber": account, "AdjustmentAmount": amount, "AdjustmentTypeID": type_id}})
    planner = Planner(load, ErrorFields())
    planner.plan(list(load.records.order_by("seq")))
    planner.finish()
    preview = planner.as_json()
    assert preview["balances"]["changed"] == 5 and preview["balances"]["total_difference"] == "61.50"
    assert [e["new"] for e in preview["balances"]["examples"]] == ["15.00", "21.00", "100.00", "70.00", "70.50"]
    pipeline.run_load(load.pk)
    load.refresh_from_db()
    assert load.status == "loaded", load.failure
    applied = list(AdjustmentApplied.objects.filter(load=load).order_by("line").values_list(
        "account__account_number", "adjustment_type_id", "previous_balance", "new_balance", "difference"))
    assert applied == [("1001", 1, Decimal("10.00"), Decimal("15.00"), Decimal("5.00")),
                       ("1002", 1, Decimal("20.00"), Decimal("21.00"), Decimal("1.00")),
                       ("1001", 2, Decimal("15.00"), Decimal("100.00"), Decimal("85.00")),
                       ("1001", 1, Decimal("100.00"), Decimal("70.00"), Decimal("-30.00")),
                       ("1001", 2, Decimal("70.00"), Decimal("70.00"), Decimal("0.00")),
                       ("1001", 1, Decimal("70.00"), Decimal("70.50"), Decimal("0.50"))]
    assert load.plan["balances"]["changed"] == 5 and load.plan["balances"]["total_difference"] == "61.50"
    assert dict(Account.objects.values_list("account_number", "current_balance")) == {
        "1001": Decimal("70.50"), "1002": Decimal("21.00")}


def test_an_invoice_paid_after_the_preview_fails_the_load_and_writes_nothing(demo, tmp_path):
    loaded(tmp_path, "a.csv", [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "20.00", "9002")])
    before = snapshot(), dict(Account.objects.values_list("account_number", "current_balance"))
    load = parsed(tmp_path, "b.csv", [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "25.00", "9002"),
                                      ("1003", "Cy", "30.00", "9003")])
    assert load.plan["invoices"] == {"new": 1, "updated": 1, "unchanged": 1}
    Invoice.objects.filter(invoice_number="9002").update(amount_paid=Decimal("5.00"))
    approve(login("support2"), load)
    assert load.status == "load_failed"
    assert load.failure == ("the database changed since the preview: line 3, InvoiceNumber: invoice 9002 already "
                            "has payments (5.00 paid); a load never replaces it. Nothing was loaded; re-parse the "
                            "file to review it.")
    assert (snapshot(), dict(Account.objects.values_list("account_number", "current_balance"))) == before
    assert not Account.objects.filter(account_number="1003").exists()


def naughty_names():
    strings = json.loads(shared("corpora", "big-list-of-naughty-strings", "blns.json").read_text("utf-8"))
    return [s for s in strings if s.isprintable() and s.split() and s == " ".join(s.split()) and len(s) <= 300]


def test_naughty_and_long_text_survives_staging_and_the_load_byte_for_byte(demo, tmp_path):
    names = naughty_names() + ["é" * 300, "\U0001F600" * 300, "\\N", "\\.", "a\\tb", "'; DROP TABLE x; --"]
    rows = [(f"{1000 + n}", name, "1.00", f"{9000 + n}") for n, name in enumerate(names)]
    load = loaded(tmp_path, "n.csv", rows)
    assert load.ok_count == len(names) > 400
    staged = dict(StagedRecord.objects.filter(load=load).values_list("account_number", "data"))
    stored = dict(Account.objects.values_list("account_number", "customer_name"))
    for account, name, _amount, _number in rows:
        assert staged[account]["customer"]["CustomerName"] == name
        assert stored[account] == name


def test_a_file_of_only_a_header_or_only_errors_stages_no_ok_record_and_writes_nothing(demo, tmp_path):
    empty = parsed(tmp_path, "h.csv", [])
    errors = parsed(tmp_path, "e.csv", [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "1.00", "9002")],
                    type_id=9)
    for load in (empty, errors):
        assert load.ok_count == 0 and load.total_amount == Decimal("0.00")
        assert load.plan["invoices"] == {"new": 0, "updated": 0, "unchanged": 0}
        assert load.plan["accounts"] == {"new": 0, "updated": 0, "unchanged": 0}
    assert (empty.status, empty.records_count) == ("parsed", 0)
    assert (errors.status, errors.error_count) == ("parsed", 2)
    assert set(StagedRecord.objects.filter(load=errors).values_list("status", flat=True)) == {"error"}
    approve(login("support2"), errors)
    assert errors.status == "parsed"          # nothing to load: approving is refused
    assert not Account.objects.exists() and not Invoice.objects.exists()


STAGED_VALUES = ("seq", "line", "status", "reason", "errors", "data", "account_number", "invoice_number", "amount",
                 "account_action", "invoice_action", "balance")


def staged_rows(load):
    return list(StagedRecord.objects.filter(load=load).order_by("seq").values_list(*STAGED_VALUES))


def batch_path(monkeypatch):
    """Stage and plan as SQLite does (ingest.classify's batches, the ORM's inserts), on any database."""
    monkeypatch.setattr("ingest.staging.set_based", lambda: False)
    monkeypatch.setattr("ingest.planning.set_based", lambda: False)


def test_the_set_based_staging_and_plan_give_the_records_counts_and_errors_of_the_batch_path(
        demo, tmp_path, monkeypatch):
    """On PostgreSQL the records wait in a temporary table and reach staging once, with their
    actions; the batch path writes them and plans them per batch. Same file, same ledger: the
    same staged records, plan, counts and errors (on SQLite both runs take the batch path)."""
    loaded(tmp_path, "a.csv", [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "20.00", "9002"),
                               ("1003", "Cy", "30.00", "9003")])
    Invoice.objects.filter(invoice_number="9003").update(amount_paid=Decimal("1.00"))
    names = naughty_names()[:60]
    rows = [("1001", "Ann", "10.00", "9001"), ("1002", "Bob B", "22.00", "9002"), ("1003", "Cy", "31.00", "9003"),
            ("1004", "Di", "bad", "9004"), ("1005", "Ed", "5.00", "9005"), ("1005", "Ed", "6.00", "9006"),
            ("1002", "Bob", "21.00", "9007"), ("1006", "x" * 300, "1.00", "9008"), ("1007", "Flo", "2.00", "9001")]
    rows += [(f"{2000 + n}", name, f"{n}.50", f"{8000 + n}") for n, name in enumerate(names)]
    set_based = parsed(tmp_path, "b.csv", rows)
    with monkeypatch.context() as patched:
        batch_path(patched)
        batch = parsed(tmp_path, "c.csv", rows)
    assert set_based.status == batch.status == "parsed"
    assert staged_rows(set_based) == staged_rows(batch)
    assert {s: 1 for s in ("new", "updated", "unchanged")} == {
        s: min(1, set_based.plan["invoices"][s]) for s in ("new", "updated", "unchanged")}   # every action met
    assert set_based.plan["conflicts"] == 1 and set_based.error_count == 3
    for field in ("records_count", "ok_count", "error_count", "skipped_count", "total_amount", "error_fields"):
        assert getattr(set_based, field) == getattr(batch, field), field
    assert {k: v for k, v in set_based.plan.items() if k != "at"} == {k: v for k, v in batch.plan.items() if k != "at"}
    ids = list(StagedRecord.objects.filter(load=set_based).order_by("seq").values_list("pk", flat=True))
    assert ids == sorted(ids)                 # ids in file order, as a direct write gives them


def waiting():
    """Whether records wait in the session's temporary table for the plan (PostgreSQL)."""
    return setbased.set_based() and setbased._pending()


def test_a_reparse_or_a_failed_parse_leaves_no_record_waiting_for_the_plan(demo, tmp_path, monkeypatch):
    rows = [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "20.00", "9002")]
    load = parsed(tmp_path, "a.csv", rows)
    assert not waiting() and load.records_count == 2
    monkeypatch.setattr(setbased, "classify_preview_accounts", lambda: 1 / 0)   # the plan fails
    monkeypatch.setattr("ingest.planning.PlanTotals.add", lambda *args: 1 / 0)  # (SQLite's plan)
    pipeline.reparse(load, _user("support"))
    load.refresh_from_db()
    assert load.status == "parse_failed" and not waiting()
    assert not StagedRecord.objects.filter(load=load).exists()
    monkeypatch.undo()
    pipeline.retry(load, _user("support"))
    load.refresh_from_db()
    assert load.status == "parsed" and not waiting()
    assert [r[0] for r in staged_rows(load)] == [1, 2]


def _user(username):
    return User.objects.get(username=username)


def test_a_deleted_load_takes_its_staged_records_and_records_are_never_published_for_a_missing_load(
        demo, tmp_path, monkeypatch):
    """Staging has no database foreign key to its load (ingest 0010): deleting a load deletes
    its records (Django's CASCADE), and on PostgreSQL the publish of a load that no longer
    exists writes nothing (the KEY SHARE lock it takes instead of a check per record)."""
    load = parsed(tmp_path, "a.csv", [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "20.00", "9002")])
    other = parsed(tmp_path, "b.csv", [("1003", "Cy", "30.00", "9003")])
    assert StagedRecord.objects.filter(load=load).count() == 2
    load.delete()
    assert not StagedRecord.objects.filter(load_id=load.pk).exists()
    assert StagedRecord.objects.filter(load=other).count() == 1
    if setbased.set_based():
        gone = Load(pk=other.pk + 1000, biller_id=other.biller_id, file_format_id=other.file_format_id)
        setbased.begin_staging()
        try:
            with pytest.raises(Load.DoesNotExist):
                setbased._publish(gone, "SELECT NULL::bigint AS staged_id, '' AS account_action, "
                                        "'' AS invoice_action, NULL::jsonb AS balance")
        finally:
            setbased.discard_staging()
        assert not StagedRecord.objects.filter(load_id=gone.pk).exists()


def ledger_state(before, second):
    """The ledger as a second load left it, comparable across runs: accounts and invoices by
    number, without ids, GUIDs and times, but whether the load wrote them (`updated_at` moved,
    `written_by_load` is `second`); detail lines by (invoice number, position), and whether
    each is the row that was there before (`before`: the detail ids before the load)."""
    accounts = {a["account_number"]: {**{k: v for k, v in a.items() if k not in ("id", "created_at", "updated_at")},
                                      "written": a["updated_at"] != before["accounts"].get(a["account_number"])}
                for a in Account.objects.values()}
    numbers = dict(Account.objects.values_list("pk", "account_number"))
    invoices = {i["invoice_number"]: {**{k: v for k, v in i.items()
                                         if k not in ("id", "guid", "created_at", "updated_at", "written_by_load",
                                                      "account_id")},
                                      "account": numbers[i["account_id"]], "written": i["written_by_load"] == second.pk}
                for i in Invoice.objects.values()}
    details = {}
    for line in InvoiceDetail.objects.values("id", "invoice__invoice_number", "position", "description",
                                             *(f"custom_field{n}" for n in range(1, 10))):
        key = (line.pop("invoice__invoice_number"), line.pop("position"))
        line["kept"] = line.pop("id") in before["details"]
        details[key] = line
    return accounts, invoices, details


def test_the_set_based_load_writes_the_ledger_of_the_batch_path(demo, tmp_path, monkeypatch):
    """The same second file loaded over the same ledger by the set-based load (PostgreSQL) and
    by the batch path (ingest.classify's batches), each from a savepoint: the same accounts,
    invoices and detail lines, written or left alone alike. An invoice updated for its values
    or its account keeps its detail rows; one whose stored lines differ gets the file's."""
    loaded(tmp_path, "a.csv", [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "20.00", "9002"),
                               ("1003", "Cy", "30.00", "9003"), ("1003", "Cy", "40.00", "9004")])
    InvoiceDetail.objects.filter(invoice__invoice_number="9003").update(description="changed by hand")
    before = {"accounts": dict(Account.objects.values_list("account_number", "updated_at")),
              "details": set(InvoiceDetail.objects.values_list("pk", flat=True))}
    rows = [("1001", "Ann", "10.00", "9001"),        # unchanged
            ("1002", "Bob", "25.00", "9002"),        # a new amount
            ("1003", "Cy", "30.00", "9003"),         # its stored lines differ from the file's
            ("1009", "Di", "40.00", "9004"),         # moved to a new account
            ("1002", "Bob", "5.00", "9005")]         # new
    states = []
    for set_based in (True, False):
        saved = transaction.savepoint()
        with monkeypatch.context() as patched:
            if not set_based:
                patched.setattr("ingest.loading.set_based", lambda: False)
            second = loaded(tmp_path, "b.csv", rows)
            states.append(ledger_state(before, second))
        transaction.savepoint_rollback(saved)
    assert states[0] == states[1]
    accounts, invoices, details = states[0]
    assert {n: i["written"] for n, i in invoices.items()} == {
        "9001": False, "9002": True, "9003": True, "9004": True, "9005": True}
    assert {n: a["written"] for n, a in accounts.items()} == {"1001": False, "1002": True, "1003": True, "1009": True}
    assert invoices["9004"]["account"] == "1009" and accounts["1002"]["current_balance"] == Decimal("5.00")
    assert {key[0]: (line["kept"], line["description"]) for key, line in details.items()} == {
        "9001": (True, "Utility Invoice"), "9002": (True, "Utility Invoice"), "9003": (False, "Utility Invoice"),
        "9004": (True, "Utility Invoice"), "9005": (False, "Utility Invoice")}


def test_reversing_a_next_days_load_that_kept_the_detail_rows_restores_the_ledger_exactly(demo, tmp_path):
    """A next day's file (new amounts, the same detail lines) keeps the detail rows; its
    reversal puts back every row as the first load left it, ids included."""
    biller = Biller.objects.get(slug="demo-watersmart")
    rows = [("1001", "Ann", "10.00", "9001"), ("1002", "Bob", "20.00", "9002")]
    loaded(tmp_path, "a.csv", rows)
    before = ledger_rows(biller)
    second = loaded(tmp_path, "b.csv", [("1001", "Ann", "11.00", "9001"), ("1002", "Bob", "21.00", "9002"),
                                        ("1003", "Cy", "3.00", "9003")])
    assert second.plan["invoices"] == {"new": 1, "updated": 2, "unchanged": 0}
    changed = ledger_rows(biller)
    assert [d["id"] for d in changed["details"]][:2] == [d["id"] for d in before["details"]]
    assert reversed_now(second).status == LoadStatus.REVERSED
    assert ledger_rows(biller) == before
