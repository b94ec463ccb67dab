"""Auto-approval rules (issue 15): after a parse, a load meeting its biller's rule is approved by
the system and loaded; one that does not waits for a person with the reason shown."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billers.models import AutoApprovalRule, Biller, FileFormat
from ingest.models import Load, LoadEvent, LoadStatus
from operations import inbox
from tests.support.loadkit import approve, login, upload
from tests.support.inbox import drop_invoices
from tests.support.invoices import write_invoices

WS = "demo-watersmart"
CODE = "watersmart.invoice"


def rule(**values):
    biller = Biller.objects.get(slug=WS)
    defaults = dict(max_error_records=0, count_tolerance_pct=Decimal("10"), total_tolerance_pct=Decimal("15"))
    return AutoApprovalRule.objects.create(biller=biller, file_format=FileFormat.objects.get(code=CODE),
                                           **{**defaults, **values})


def uploaded(tmp_path, first, rows, name="invoices.csv"):
    """Upload generated invoices as support; the parsed (or further) load."""
    _, load = upload(login("support"), WS, CODE, write_invoices(tmp_path / name, first, rows))
    load.refresh_from_db()
    return load


@pytest.fixture
def previous(demo, tmp_path):
    """A loaded load of 100 invoices, approved by a person."""
    load = uploaded(tmp_path, 800_000, 100, "first.csv")
    approve(login("support2"), load)
    assert load.status == LoadStatus.LOADED
    return load


def events(load):
    return list(LoadEvent.objects.filter(load=load).values_list("to_status", "user__username", "note"))


def test_a_load_meeting_its_rule_is_approved_by_the_system_and_loaded(previous, tmp_path):
    made = rule()
    load = uploaded(tmp_path, 900_000, 105)        # +5 % records
    assert load.status == LoadStatus.LOADED
    approved = [e for e in events(load) if e[0] == LoadStatus.APPROVED]
    assert approved == [(LoadStatus.APPROVED, None,
                         f"approved automatically by rule {made.pk} (no error records, count within ±10 %, "
                         f"total within ±15 %): 105 ok records (+5.0 % from load {previous.pk}), 0 errors")]
    assert load.approved_by is None and load.approved_at is not None and load.waiting_reason == ""


def test_a_load_outside_the_count_tolerance_waits_with_the_reason_on_its_page_and_the_dashboard(previous, tmp_path):
    made = rule()
    load = uploaded(tmp_path, 900_000, 120)        # +20 % records
    assert load.status == LoadStatus.PARSED
    reason = (f"not approved automatically: 120 ok records is +20.0 % from the 100 of load {previous.pk}; "
              f"rule {made.pk} (no error records, count within ±10 %, total within ±15 %) allows ±10 %")
    assert load.waiting_reason == reason
    page = login("support2").get(reverse("admin:ingest_load_change", args=[load.pk])).content.decode()
    assert f"Waiting for a person: {reason}".replace("'", "&#x27;") in page
    home = login("support2").get(reverse("admin:index")).content.decode()
    assert reason in home
    approve(login("support2"), load)               # a person can still approve it
    assert load.status == LoadStatus.LOADED   # the reason stays as history; shown only while parsed


def test_a_load_outside_the_total_tolerance_waits(previous, tmp_path):
    made = rule(total_tolerance_pct=Decimal("0.5"), count_tolerance_pct=Decimal("50"))
    load = uploaded(tmp_path, 800_500, 100)        # same count, other amounts
    assert load.status == LoadStatus.PARSED
    assert load.waiting_reason.startswith(f"not approved automatically: the total {load.total_amount:.2f} is ")
    assert load.waiting_reason.endswith(f"rule {made.pk} (no error records, count within ±50 %, total within "
                                        "±0.5 %) allows ±0.5 %")


def test_error_records_beyond_the_rule_keep_the_load_for_a_person(previous, tmp_path):
    made = rule(max_error_records=1)
    path = write_invoices(tmp_path / "errors.csv", 800_000, 100)
    with open(path, "a", encoding="utf-8") as out:
        out.write("ABC,x,,,,,,not a date,,,,,,,,\r\n" * 2)
    _, load = upload(login("support"), WS, CODE, path)
    load.refresh_from_db()
    assert load.status == LoadStatus.PARSED and load.error_count == 2
    assert load.waiting_reason == (f"not approved automatically: 2 error records; rule {made.pk} (at most 1 error "
                                   "records, count within ±10 %, total within ±15 %) allows at most 1")


def test_the_first_load_cannot_be_checked_and_waits(demo, tmp_path):
    rule()
    load = uploaded(tmp_path, 820_000, 10)
    assert load.status == LoadStatus.PARSED
    assert load.waiting_reason.startswith(f"not approved automatically: no previous loaded load of {WS} {CODE}, so "
                                          "the record count and total tolerances of rule")


def test_a_four_eyes_biller_is_auto_approved_only_when_its_rule_says_so(previous, tmp_path):
    Biller.objects.filter(slug=WS).update(requires_second_approver=True)
    made = rule()
    load = uploaded(tmp_path, 900_000, 100, "a.csv")
    assert load.status == LoadStatus.PARSED
    assert load.waiting_reason == (f"not approved automatically: {WS} requires a second approver and rule "
                                   f"{made.pk} (no error records, count within ±10 %, total within ±15 %) does "
                                   "not allow approving its loads automatically")
    AutoApprovalRule.objects.filter(pk=made.pk).update(approve_four_eyes=True)
    load = uploaded(tmp_path, 910_000, 100, "b.csv")
    assert load.status == LoadStatus.LOADED


def test_a_disabled_rule_or_no_rule_leaves_the_load_as_before(previous, tmp_path):
    rule(enabled=False)
    load = uploaded(tmp_path, 900_000, 100)
    assert load.status == LoadStatus.PARSED and load.waiting_reason == ""


def test_an_inbox_file_is_approved_and_loaded_with_no_click(previous, tmp_path, settings):
    settings.INBOX_ROOT = tmp_path / "inbox"
    rule()
    drop_invoices(settings.INBOX_ROOT, WS, "WS_Invoice_20250310.csv", 920_000, 98)
    inbox.scan()
    inbox.scan()
    load = Load.objects.get(original_name="WS_Invoice_20250310.csv")
    assert load.status == LoadStatus.LOADED and load.uploaded_by is None and load.approved_by is None
    assert [(s, u) for s, u, _ in events(load)] == [
        (LoadStatus.UPLOADED, None), (LoadStatus.PARSING, None), (LoadStatus.PARSED, None),
        (LoadStatus.APPROVED, None), (LoadStatus.LOADING, None), (LoadStatus.LOADED, None)]


def test_a_rule_must_name_an_enabled_inbound_format_of_its_biller(demo):
    biller = Biller.objects.get(slug=WS)
    outbound = "watersmart.payments is an outbound format; only inbound files are received"
    for code, message in [("watersmart.payments", outbound),
                          ("incode.adjustment", f"incode.adjustment is not an enabled format of {WS}")]:
        made = AutoApprovalRule(biller=biller, file_format=FileFormat.objects.get(code=code),
                                count_tolerance_pct=Decimal("10"), total_tolerance_pct=Decimal("10"))
        with pytest.raises(ValidationError) as refused:
            made.full_clean()
        assert refused.value.message_dict["file_format"] == [message]
    made = AutoApprovalRule(biller=biller, file_format=FileFormat.objects.get(code=CODE),
                            count_tolerance_pct=Decimal("-1"), total_tolerance_pct=Decimal("10"))
    with pytest.raises(ValidationError) as refused:
        made.full_clean()
    assert list(refused.value.message_dict) == ["count_tolerance_pct"]
