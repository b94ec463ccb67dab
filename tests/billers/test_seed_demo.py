"""`manage.py seed_demo` creates exactly the demo data of DESIGN.md, idempotently."""
import json

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from billers.models import (BifCustomization, Biller, BillerFileFormat, BillerSetting,
                            FileFormat)

WATERSMART_FORMATS = {"watersmart.invoice", "watersmart.adjustment", "watersmart.payments",
                      "watersmart.rejects", "watersmart.changelog"}
INCODE_INBOUND = {"incode.invoice.skip_landlord", "incode.invoice.include_dashes", "incode.adjustment",
                  "incode.adjustment.include_dashes"}


def snapshot():
    history = sum(model.history.count() for model in (Biller, BillerSetting, BifCustomization, BillerFileFormat))
    rows = {
        "billers": list(Biller.objects.values_list("slug", "guid", "time_zone", "integration")),
        "formats": list(BillerFileFormat.objects.values_list("biller__slug", "file_format__code", "options")),
        "settings": list(BillerSetting.objects.values_list("biller__slug", "setting__setting_id", "value")),
        "bif": list(BifCustomization.objects.values_list("biller__slug", "feature__name", "source", "value", "rule")),
        "users": list(User.objects.values_list("username", "password", "groups__name")),
    }
    return history, rows


@pytest.mark.django_db
def test_it_is_idempotent(capsys):
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first
    assert "Created now: nothing (already seeded)." in capsys.readouterr().out


def test_it_creates_the_three_billers_of_the_design(demo):
    billers = {b.slug: b for b in Biller.objects.all()}
    assert set(billers) == {"demo-watersmart", "demo-incode", "demo-incode-basic"}
    assert billers["demo-watersmart"].integration == "watersmart"
    assert billers["demo-watersmart"].time_zone == "America/Los_Angeles"
    assert billers["demo-incode"].time_zone == billers["demo-incode-basic"].time_zone == "America/Chicago"
    assert not any(b.requires_second_approver for b in billers.values())


def enabled(slug):
    return set(BillerFileFormat.objects.filter(biller__slug=slug, enabled=True)
               .values_list("file_format__code", flat=True))


def test_each_demo_biller_has_its_formats(demo):
    assert enabled("demo-watersmart") == WATERSMART_FORMATS
    assert BillerFileFormat.objects.get(biller__slug="demo-watersmart",
                                        file_format__code="watersmart.payments").options == {"split": False}
    assert enabled("demo-incode") == INCODE_INBOUND | {"incode.payments.approved_offline", "incode.payments.cloudstore"}
    assert enabled("demo-incode-basic") == INCODE_INBOUND | {"incode.payments"}


def test_the_settings_of_the_design(demo):
    value = BillerSetting.objects.get(biller__slug="demo-incode", setting__setting_id=131).value
    assert json.loads(value) == {"TylerIncode": {"AdjustmentConfigs": {"SkipNumericCheck": True},
                                                 "InvoiceConfigs": {"UseBillingAddress": True}}}
    assert not BillerSetting.objects.filter(biller__slug="demo-incode-basic").exists()
    assert BillerSetting.objects.get(biller__slug="demo-watersmart", setting__setting_id=29).value == "1"


def test_the_bif_values_of_the_seeds(demo):
    def bif(slug, feature):
        row = BifCustomization.objects.get(biller__slug=slug, feature__name=feature)
        return row.source, row.value or row.rule

    assert BifCustomization.objects.filter(biller__slug="demo-watersmart").count() == 19
    assert bif("demo-watersmart", "BalanceForward") == ("required", "yes")
    assert bif("demo-watersmart", "InvoiceTypeID") == ("invoice_file", "")
    assert bif("demo-watersmart", "MinimumAmountDue")[0] == "questionnaire"
    assert bif("demo-incode", "LateFeeDate") == ("rule", "InvoiceDueDate + 1 day")
    assert bif("demo-incode", "MinimumAmountDue") == ("na", "")
    assert bif("demo-incode-basic", "LateFeeDate") == ("rule", "InvoiceDueDate + 1 day")


@pytest.mark.parametrize("username, group", [
    ("im", "Implementation Manager"), ("support", "Support"), ("support2", "Support"), ("auditor", "Auditor")])
def test_one_user_per_role_with_the_demo_password(demo, username, group):
    user = authenticate(username=username, password="demo")
    assert user is not None and user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [group]


def test_reference_data_comes_from_the_seeds(demo):
    from billers.models import IntegrationModification, PortalRedirect, WebService

    assert FileFormat.objects.count() == 12
    assert FileFormat.objects.get(code="watersmart.invoice").default_invoice_type_id == 1
    assert FileFormat.objects.get(code="incode.invoice.skip_landlord").default_invoice_type_id == 42
    assert FileFormat.objects.filter(direction="outbound").count() == 6
    assert set(IntegrationModification.objects.values_list("jira_key", flat=True)) == {
        "ITG-2193", "ITG-3159", "ITG-3980"}
    assert IntegrationModification.objects.get(jira_key="ITG-3980").released == "TBD"
    assert IntegrationModification.objects.get(jira_key="ITG-2193").released == "2024-02-23"
    assert sorted(PortalRedirect.objects.values_list("code", flat=True)) == [2, 3, 5, 8, 9, 11]
    assert {"CNP_Sale", "CNP_Void", "RemoteAuthentication", "LinkCustomerAccount",
            "SetCustomerEmailAddress"} <= set(WebService.objects.values_list("name", flat=True))
    assert set(Group.objects.values_list("name", flat=True)) >= {"Implementation Manager", "Support", "Auditor"}
