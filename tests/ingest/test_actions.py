"""The one rule function of load actions (ingest.actions.decide): its table of role, status
and four eyes -> allowed or the reason, and every surface (pipeline, admin, command, API)
refusing with that same reason."""
import datetime
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billers.models import Biller, FileFormat
from ingest import pipeline
from ingest.actions import LoadAction, allowed_actions, decide, decide_upload
from ingest.lifecycle import FourEyesRefused, PermissionRefused, StateRefused
from ingest.models import Load, LoadStatus
from tests.shared import shared
from tests.support.reversals import loaded

S = LoadStatus
NO_BEFORE_IMAGES = "load 7 has no before-images (it was loaded before reversals were possible); it cannot be reversed"

# (action, user, status, four eyes, uploader/requester, ok records) -> None (allowed) or the reason
TABLE = [
    ("approve", "support", S.PARSED, False, "support", 3, None),
    ("approve", "support", S.PARSED, True, "support", 3,
     "demo-watersmart requires a second person: the uploader cannot approve the load"),
    ("approve", "support2", S.PARSED, True, "support", 3, None),
    ("approve", "im", S.PARSED, False, "support", 3, "im may not approve loads"),
    ("approve", "auditor", S.PARSED, False, "support", 3, "auditor may not approve loads"),
    ("approve", "support", S.LOADED, False, "support", 3, "load 7 is loaded; only a parsed load can be approved"),
    ("approve", "support", S.PARSED, False, "support", 0,
     "load 7 has no ok records (2 errors, 0 skipped): there is nothing to load; reject it, fix the file and "
     "upload it again"),
    ("reject", "support", S.PARSED, True, "support", 3, None),
    ("reject", "im", S.PARSED, False, "support", 3, "im may not reject loads"),
    ("reject", "support", S.REJECTED, False, "support", 3, "load 7 is rejected; only a parsed load can be rejected"),
    ("retry", "support", S.PARSE_FAILED, False, "support", 0, None),
    ("retry", "im", S.PARSE_FAILED, False, "support", 0, None),
    ("retry", "im", S.LOAD_FAILED, False, "support", 3, "im may not retry this load"),
    ("retry", "auditor", S.PARSE_FAILED, False, "support", 0, "auditor may not retry this load"),
    ("retry", "support", S.PARSED, False, "support", 3, "load 7 is parsed (preview ready); there is nothing to retry"),
    ("retry", "support", S.LOADING, False, "support", 3,
     "load 7 is loading and its task is still within the task timeout; there is nothing to retry yet"),
    ("reparse", "im", S.PARSED, False, "support", 3, None),
    ("reparse", "auditor", S.PARSED, False, "support", 3, "auditor may not re-parse loads"),
    ("reparse", "support", S.LOADED, False, "support", 3,
     "load 7 is loaded; it cannot be re-parsed (only a parsed or load-failed load)"),
    ("reverse", "auditor", S.LOADED, False, "support", 3, "auditor may not reverse loads"),
    ("reverse", "im", S.LOADED, False, "support", 3, "im may not reverse loads"),
    ("reverse", "support", S.PARSED, False, "support", 3,
     "load 7 is parsed (preview ready); only a loaded load can be reversed"),
    ("reverse", "support", S.LOADED, False, "support", 3, NO_BEFORE_IMAGES),
    ("reverse", "support", S.REVERSAL_REQUESTED, True, "support", 3,
     "demo-watersmart requires a second person: support requested this reversal and cannot confirm it"),
    ("reverse", "support", S.REVERSAL_REQUESTED, False, "support", 3, NO_BEFORE_IMAGES),
    ("reverse", "support2", S.REVERSAL_REQUESTED, True, "support", 3, NO_BEFORE_IMAGES),
    ("cancel_reversal", "support2", S.REVERSAL_REQUESTED, True, "support", 3, None),
    ("cancel_reversal", "support", S.REVERSAL_REQUESTED, True, "support", 3, None),
    ("cancel_reversal", "auditor", S.REVERSAL_REQUESTED, True, "support", 3, "auditor may not reverse loads"),
    ("cancel_reversal", "support", S.LOADED, False, "support", 3,
     "load 7 is loaded; only a requested reversal can be cancelled"),
    ("download", "auditor", S.REJECTED, False, "support", 3, None),
    ("download", "support", S.UPLOADED, False, "support", 0, None),
]


def users():
    return {u.username: u for u in User.objects.filter(username__in=["im", "support", "support2", "auditor"])}


@pytest.mark.parametrize("action, username, status, four_eyes, owner, ok, reason", TABLE)
def test_the_rule_table(demo, action, username, status, four_eyes, owner, ok, reason):
    people = users()
    biller = Biller(slug="demo-watersmart", name="Demo", requires_second_approver=four_eyes)
    load = Load(pk=7, biller=biller, file_format=FileFormat(code="watersmart.invoice"), status=status,
                uploaded_by=people[owner], reversal_requested_by=people[owner], ok_count=ok, error_count=2,
                task_started_at=timezone.now(), updated_at=timezone.now())
    decision = decide(people[username], load, action)
    assert (decision.allowed, decision.reason) == (reason is None, reason or "")
    assert allowed_actions(people[username], load)[LoadAction(action)] == decision


def test_the_request_options_are_checked_when_given(demo):
    support = users()["support"]
    load = Load(pk=7, biller=Biller(slug="b"), file_format=FileFormat(code="watersmart.invoice"), status=S.PARSED,
                ok_count=3, error_count=2)
    assert decide(support, load, "approve")
    refused = decide(support, load, "approve", acknowledge_errors=False)
    assert not refused and "2 error records" in refused.reason and refused.refusal is not StateRefused
    assert decide(support, load, "approve", acknowledge_errors=True)
    assert decide(support, load, "reject", reason=" ").reason == "a rejection needs a reason"
    loaded_load = Load(pk=8, biller=Biller(slug="b"), status=S.LOADED, loaded_at=None)
    assert decide(support, loaded_load, "reverse", reason="").reason == "a reversal needs a reason"


def test_the_upload_rules_are_one_decision(demo, settings):
    people = users()
    biller = Biller.objects.get(slug="demo-watersmart")
    settings.MAX_UPLOAD_MB = 1
    assert decide_upload(people["im"], biller, "watersmart.invoice", 1024 * 1024)
    assert decide_upload(people["auditor"], biller, "watersmart.invoice", 10).reason == "auditor may not upload files"
    assert decide_upload(people["support"], biller, "incode.adjustment", 10).reason == \
        "incode.adjustment is not an enabled inbound format of demo-watersmart"
    assert decide_upload(people["support"], biller, "watersmart.invoice", 1024 * 1024 + 110_000).reason == \
        "The file is 1.1 MB; the limit is 1 MB (MAX_UPLOAD_MB)."
    biller.active = False
    assert decide_upload(None, biller, "watersmart.invoice", 10).reason == "biller demo-watersmart is not active"


def login(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def run(command, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *[str(a) for a in args], stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines(), err.getvalue().strip()


WATERSMART = "300001,A Person,1 Oak St,,Fresno,CA,93701,01/15/2025,02/05/2025,10.00,,9000001,1\n"


def test_four_eyes_approval_is_refused_with_the_same_reason_by_pipeline_admin_api_and_command(demo, tmp_path):
    biller = Biller.objects.get(slug="demo-watersmart")
    Biller.objects.filter(pk=biller.pk).update(requires_second_approver=True)
    biller.refresh_from_db()
    path = tmp_path / "invoice.csv"
    path.write_text(WATERSMART)
    code, out, err = run("ingest", path, "--biller", biller.slug, "--format", "watersmart.invoice",
                         "--user", "support", "--approve")
    assert out, err
    load = Load.objects.get(pk=json.loads(out[-1])["load"])
    reason = decide(load.uploaded_by, load, "approve").reason
    assert reason == "demo-watersmart requires a second person: the uploader cannot approve the load"
    assert code == 2 and err == reason
    with pytest.raises(FourEyesRefused, match=reason):
        pipeline.approve(load, load.uploaded_by, acknowledge_errors=True)
    response = login("support").post(reverse("admin:ingest_load_approve", args=[load.pk]), {"acknowledge_errors": "on"})
    assert response.status_code == 403 and reason in response.content.decode()
    response = login("support").post(f"/api/v1/loads/{load.pk}/approve", {}, content_type="application/json")
    assert response.status_code == 403 and response.json() == {"Error": reason}
    load.refresh_from_db()
    assert load.status == S.PARSED
    response = login("support2").post(f"/api/v1/loads/{load.pk}/approve", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "loaded"


def test_the_api_lists_the_decisions_and_refuses_by_kind(demo):
    biller = Biller.objects.get(slug="demo-incode")
    load = loaded(biller, "incode.invoice.include_dashes", open(shared("samples", "incode_invoice.xml")).read())
    auditor = login("auditor").get(f"/api/v1/loads/{load.pk}/actions").json()
    assert auditor["status"] == "loaded"
    by_action = {a["action"]: (a["allowed"], a["reason"]) for a in auditor["actions"]}
    assert by_action["reverse"] == (False, "auditor may not reverse loads")
    assert by_action["download"] == (True, "")
    assert by_action["approve"] == (False, "auditor may not approve loads")

    response = login("auditor").post(f"/api/v1/loads/{load.pk}/reverse", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 403 and response.json() == {"Error": "auditor may not reverse loads"}
    response = login("support").post(f"/api/v1/loads/{load.pk}/reverse", {"reason": ""}, content_type="application/json")
    assert response.status_code == 400 and response.json() == {"Error": "a reversal needs a reason"}
    response = login("support").post(f"/api/v1/loads/{load.pk}/reparse", content_type="application/json")
    assert response.status_code == 409 and "it cannot be re-parsed" in response.json()["Error"]
    response = login("support").post(f"/api/v1/loads/{load.pk}/reverse", {"reason": "wrong cycle"},
                                     content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "reversed"
    assert Client().get(f"/api/v1/loads/{load.pk}/actions").status_code == 401
    User.objects.create_user("nobody", password="x", is_staff=True)
    response = login("nobody").get(f"/api/v1/loads/{load.pk}/actions")
    assert response.status_code == 403 and response.json() == {"Error": "nobody may not view loads"}
    assert login("support").get("/api/v1/loads/999999/actions").status_code == 404


def test_the_load_page_shows_the_allowed_buttons_and_the_reason_of_a_refused_one(demo):
    biller = Biller.objects.get(slug="demo-incode")
    load = loaded(biller, "incode.invoice.include_dashes", open(shared("samples", "incode_invoice.xml")).read())
    url = reverse("admin:ingest_load_change", args=[load.pk])
    page = login("support").get(url).content.decode()
    assert f'href="{reverse("admin:ingest_load_reverse", args=[load.pk])}"' in page
    assert "/approve/" not in page and "/retry/" not in page
    page = login("auditor").get(url).content.decode()
    assert reverse("admin:ingest_load_reverse", args=[load.pk]) not in page and ">Reverse<" not in page
    Biller.objects.filter(pk=biller.pk).update(requires_second_approver=True)
    pipeline.reverse(load, User.objects.get(username="support"), "wrong cycle")
    page = login("support").get(url).content.decode()
    reason = "demo-incode requires a second person: support requested this reversal and cannot confirm it"
    assert f'title="{reason}"' in page and "/reverse/" not in page.split('id="decision"')[0]
    page = login("support2").get(url).content.decode()
    assert "Confirm reversal" in page and "/reverse/" in page


def test_a_stuck_load_is_retryable_once_the_task_timeout_has_passed(demo, settings):
    support = users()["support"]
    started = timezone.now() - datetime.timedelta(seconds=settings.Q_CLUSTER["timeout"] + 5)
    load = Load(pk=7, biller=Biller(slug="b"), status=S.LOADING, task_started_at=started)
    assert decide(support, load, "retry")
    with pytest.raises(PermissionRefused):
        decide(users()["im"], load, "retry").enforce()
