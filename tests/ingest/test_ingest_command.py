"""`manage.py ingest`: the admin's pipeline and rules from the command line, the JSON last
line, and the exit codes (0 done, 2 refused with one line on stderr)."""
import io
import json

import pytest
from django.core.management import call_command

from billers.models import Biller
from ingest.models import Load
from ledger.models import Invoice
from tests.support.loadkit import demo, sample  # noqa: F401

WS = ["--biller", "demo-watersmart", "--format", "watersmart.invoice"]


def ingest(*args):
    """(exit code, stdout lines, stderr text) of `manage.py ingest ARGS`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest", *[str(a) for a in args], stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines(), err.getvalue()


def last_json(lines):
    return json.loads(lines[-1])


def test_it_parses_without_approving_and_prints_the_load_as_json(demo):
    code, out, err = ingest(sample("watersmart_invoice.csv"), *WS)
    assert code == 0 and err == ""
    result = last_json(out)
    load = Load.objects.get()
    assert result["load"] == load.pk and result["status"] == "parsed"
    assert {k: result["summary"][k] for k in ("records", "ok", "error", "skipped")} == \
        {"records": 7, "ok": 4, "error": 3, "skipped": 0}
    assert load.uploaded_by is None and not Invoice.objects.exists()


def test_it_loads_the_ok_records_with_allow_errors(demo):
    code, out, err = ingest(sample("watersmart_invoice.csv"), *WS, "--user", "support", "--approve", "--allow-errors")
    assert code == 0, err
    result = last_json(out)
    assert result["status"] == "loaded" and result["summary"]["changes"]["invoices"]["new"] == 4
    assert Invoice.objects.count() == 4
    assert Load.objects.get().approved_by.username == "support"


def test_it_loads_a_file_without_errors_with_approve_alone(demo, tmp_path):
    path = tmp_path / "clean.csv"
    path.write_text("100234,Smith,1 Oak St,,Fresno,CA,93701,01/15/2025,02/05/2025,84.16,,5001001,1\n")
    code, out, _ = ingest(path, *WS, "--user", "support", "--approve")
    assert code == 0 and last_json(out)["status"] == "loaded"


def test_it_does_not_load_error_records_without_allow_errors(demo):
    code, out, err = ingest(sample("watersmart_invoice.csv"), *WS, "--user", "support", "--approve")
    assert code == 2 and err.strip().count("\n") == 0
    assert "3 error records: not loaded" in err
    assert last_json(out)["status"] == "parsed" and not Invoice.objects.exists()


@pytest.mark.parametrize("args, message", [
    (["--biller", "nope", "--format", "watersmart.invoice"], "unknown biller 'nope'"),
    (["--biller", "demo-watersmart", "--format", "incode.adjustment"],
     "incode.adjustment is not an enabled inbound format of demo-watersmart"),
    (["--biller", "demo-watersmart", "--format", "watersmart.payments"],
     "watersmart.payments is not an enabled inbound format of demo-watersmart"),
    (WS + ["--user", "ghost"], "unknown or inactive user 'ghost'"),
    (WS + ["--approve"], "--approve needs --user"),
    (WS + ["--allow-errors"], "--allow-errors needs --approve"),
    (WS + ["--user", "auditor"], "auditor may not upload files"),
])
def test_it_refuses_with_exit_code_2_and_one_line(demo, args, message):
    code, out, err = ingest(sample("watersmart_invoice.csv"), *args)
    assert code == 2
    assert message in err and err.strip().count("\n") == 0 and "Traceback" not in err
    assert out == [] and not Load.objects.exists()


def test_it_refuses_a_missing_file(demo, tmp_path):
    code, out, err = ingest(tmp_path / "nope.csv", *WS)
    assert code == 2 and "no such file" in err and out == []


def test_it_applies_the_approve_permission_to_the_user(demo):
    code, out, err = ingest(sample("watersmart_invoice.csv"), *WS, "--user", "im", "--approve", "--allow-errors")
    assert code == 2 and "im may not approve loads" in err
    assert last_json(out)["status"] == "parsed" and not Invoice.objects.exists()


def test_it_applies_the_four_eyes_rule_to_the_user(demo):
    Biller.objects.filter(slug="demo-watersmart").update(requires_second_approver=True)
    code, out, err = ingest(sample("watersmart_invoice.csv"), *WS, "--user", "support", "--approve", "--allow-errors")
    assert code == 2 and "requires a second person" in err
    assert last_json(out)["status"] == "parsed" and not Invoice.objects.exists()


def test_it_reports_a_refused_file_as_parse_failed(demo, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    code, out, err = ingest(path, *WS)
    assert code == 2 and err.strip() == "file refused: empty file"
    result = last_json(out)
    assert result["status"] == "parse_failed" and result["summary"]["failure"] == "empty file"


def test_it_does_not_load_a_duplicate_without_allow_duplicate(demo):
    args = [sample("watersmart_invoice.csv"), *WS, "--user", "support", "--approve", "--allow-errors"]
    assert ingest(*args)[0] == 0
    before = list(Invoice.objects.order_by("pk").values_list("pk", "updated_at", "written_by_load"))
    code, out, err = ingest(*args)
    assert code == 2 and "already loaded" in err and last_json(out)["status"] == "parsed"
    code, out, err = ingest(*args, "--allow-duplicate")
    assert code == 0 and last_json(out)["status"] == "loaded"
    assert last_json(out)["summary"]["changes"]["invoices"] == {"new": 0, "updated": 0, "unchanged": 4}
    assert list(Invoice.objects.order_by("pk").values_list("pk", "updated_at", "written_by_load")) == before


def test_with_an_auto_approval_rule_approve_loads_what_the_rule_approved(demo, tmp_path):
    """The biller's rule approves the load during the command's parse: --approve does not
    refuse it as already approved; the load is loaded, approved by the rule, not the user."""
    from decimal import Decimal

    from billers.models import AutoApprovalRule, FileFormat
    from ingest.models import LoadEvent, LoadStatus
    from tests.support.invoices import write_invoices

    code, out, err = ingest(write_invoices(tmp_path / "day1.csv", 800_000, 100), *WS, "--user", "support",
                            "--approve")
    assert code == 0, err
    biller = Biller.objects.get(slug="demo-watersmart")
    rule = AutoApprovalRule.objects.create(
        biller=biller, file_format=FileFormat.objects.get(code="watersmart.invoice"), max_error_records=0,
        count_tolerance_pct=Decimal("10"), total_tolerance_pct=Decimal("15"))
    code, out, err = ingest(write_invoices(tmp_path / "day2.csv", 900_000, 102), *WS, "--user", "support",
                            "--approve")
    assert (code, err) == (0, "")
    result = last_json(out)
    load = Load.objects.get(pk=result["load"])
    assert result["status"] == "loaded" and load.status == LoadStatus.LOADED and load.approved_by is None
    assert LoadEvent.objects.filter(load=load, to_status=LoadStatus.APPROVED, user=None,
                                    note__startswith=f"approved automatically by rule {rule.pk}").count() == 1
    assert Invoice.objects.filter(biller=biller).count() == 202
