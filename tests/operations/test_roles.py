"""Who may do what with the inbox, the alerts and the rules (issue 15): the inbox files and
alerts are read-only for everyone (auditors included); auto-approval rules and expected files are
configuration that implementation managers alone add and change."""
import pytest
from django.urls import reverse

from billers.models import AutoApprovalRule, Biller, ExpectedFile, FileFormat

ROLES = ["im", "support", "auditor"]


@pytest.mark.parametrize("username", ROLES)
@pytest.mark.parametrize("model", ["operations_inboxfile", "operations_alert", "billers_autoapprovalrule",
                                   "billers_expectedfile"])
def test_every_role_reads_the_lists(client_for, username, model):
    assert client_for(username).get(reverse(f"admin:{model}_changelist")).status_code == 200


@pytest.mark.parametrize("username", ROLES)
@pytest.mark.parametrize("model", ["operations_inboxfile", "operations_alert"])
def test_nobody_adds_inbox_files_or_alerts_by_hand(client_for, username, model):
    assert client_for(username).get(reverse(f"admin:{model}_add")).status_code == 403


@pytest.mark.parametrize("username, allowed", [("im", True), ("support", False), ("auditor", False)])
def test_only_implementation_managers_add_rules_and_expectations(client_for, username, allowed):
    biller = Biller.objects.get(slug="demo-watersmart")
    fmt = FileFormat.objects.get(code="watersmart.invoice")
    client = client_for(username)
    response = client.post(reverse("admin:billers_autoapprovalrule_add"), {
        "biller": biller.pk, "file_format": fmt.pk, "enabled": "on", "max_error_records": "0",
        "count_tolerance_pct": "10", "total_tolerance_pct": "15"})
    assert response.status_code == (302 if allowed else 403), response.content.decode()[:2000]
    assert AutoApprovalRule.objects.filter(biller=biller).exists() is allowed
    response = client.post(reverse("admin:billers_expectedfile_add"), {
        "biller": biller.pk, "file_format": fmt.pk, "enabled": "on", "cadence": "weekdays", "due_time": "07:00",
        "grace_minutes": "60", "approval_wait_minutes": "240"})
    assert response.status_code == (302 if allowed else 403), response.content.decode()[:2000]
    assert ExpectedFile.objects.filter(biller=biller).exists() is allowed
    if allowed:
        rule = AutoApprovalRule.objects.get(biller=biller)
        assert rule.history.get().history_user.username == "im"     # configuration keeps who and when


def test_the_admin_refuses_a_rule_for_a_format_the_biller_does_not_use(client_for):
    biller = Biller.objects.get(slug="demo-watersmart")
    fmt = FileFormat.objects.get(code="incode.adjustment")
    response = client_for("im").post(reverse("admin:billers_autoapprovalrule_add"), {
        "biller": biller.pk, "file_format": fmt.pk, "max_error_records": "0", "count_tolerance_pct": "10",
        "total_tolerance_pct": "15"})
    assert response.status_code == 200
    assert "incode.adjustment is not an enabled format of demo-watersmart" in response.content.decode()
    assert not AutoApprovalRule.objects.exists()
