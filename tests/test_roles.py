"""The DESIGN.md role table, cell by cell, through the admin as each demo user.

| capability                                   | Implementation Manager | Support | Auditor |
| billers, settings, BIF, formats: add/change  | yes                    | view    | view    |
| upload + preview                             | yes                    | yes     | no      |
| approve / reject a load                      | no                     | yes     | no      |
| reverse a loaded load (request or confirm)   | no                     | yes     | no      |
| view + download loads, exports, history      | yes                    | yes     | yes     |
| change history of configuration              | view                   | view    | view    |
(The load and export views have their own role tests in tests/ingest and tests/exports.)
"""
import pytest
from django.contrib.auth.models import User

from billers.models import Biller, BillerSetting

CONFIG_MODELS = ["biller", "billersetting", "bifcustomization", "billerfileformat", "advancedsetting",
                 "integrationmodification"]
ROLES = ["im", "support", "auditor"]


def test_anonymous_users_get_the_login_page(client, demo):
    response = client.get("/admin/billers/biller/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_a_role_are_refused(client, demo):
    user = User.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/billers/biller/").status_code == 403
    assert client.get(f"/admin/billers/biller/{Biller.objects.first().pk}/configuration-history/").status_code == 403


@pytest.mark.parametrize("model", CONFIG_MODELS)
@pytest.mark.parametrize("username", ROLES)
def test_every_role_views_the_configuration(client_for, username, model):
    assert client_for(username).get(f"/admin/billers/{model}/").status_code == 200


@pytest.mark.parametrize("model", CONFIG_MODELS)
@pytest.mark.parametrize("username, allowed", [("im", True), ("support", False), ("auditor", False)])
def test_only_implementation_managers_add_configuration(client_for, username, allowed, model):
    status = client_for(username).get(f"/admin/billers/{model}/add/").status_code
    assert status == (200 if allowed else 403)


def biller_form(biller, **changes):
    data = {"name": biller.name, "slug": biller.slug, "integration": biller.integration,
            "time_zone": biller.time_zone, "export_run_time": "07:15", "active": "on"}
    for prefix, rows in (("settings", biller.settings.all()), ("bif", biller.bif.all()),
                         ("file_formats", biller.file_formats.all())):
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-biller"] = biller.pk
            if prefix == "settings":
                data.update({f"{prefix}-{i}-setting": row.setting_id, f"{prefix}-{i}-value": row.value})
            elif prefix == "bif":
                data.update({f"{prefix}-{i}-feature": row.feature_id, f"{prefix}-{i}-source": row.source,
                             f"{prefix}-{i}-value": row.value, f"{prefix}-{i}-rule": row.rule})
            else:
                data.update({f"{prefix}-{i}-file_format": row.file_format_id, f"{prefix}-{i}-enabled": "on",
                             f"{prefix}-{i}-invoice_type_id": row.invoice_type_id or "",
                             f"{prefix}-{i}-invoice_format_guid": row.invoice_format_guid or "",
                             f"{prefix}-{i}-options": __import__("json").dumps(row.options)})
    data.update(changes)
    return data


@pytest.mark.parametrize("username, allowed", [("im", True), ("support", False), ("auditor", False)])
def test_only_implementation_managers_change_a_biller(client_for, username, allowed):
    biller = Biller.objects.get(slug="demo-incode")
    client = client_for(username)
    page = client.get(f"/admin/billers/biller/{biller.pk}/change/")
    assert page.status_code == 200
    assert ('name="_save"' in page.content.decode()) is allowed
    response = client.post(f"/admin/billers/biller/{biller.pk}/change/", biller_form(biller))
    biller.refresh_from_db()
    if allowed:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert biller.export_run_time.strftime("%H:%M") == "07:15"
    else:
        assert response.status_code == 403
        assert biller.export_run_time.strftime("%H:%M") == "06:00"


@pytest.mark.parametrize("username, allowed", [("im", True), ("support", False), ("auditor", False)])
def test_only_implementation_managers_change_a_setting(client_for, username, allowed):
    row = BillerSetting.objects.get(biller__slug="demo-watersmart", setting__setting_id=29)
    response = client_for(username).post(f"/admin/billers/billersetting/{row.pk}/change/", {
        "biller": row.biller_id, "setting": row.setting_id, "value": "0"})
    row.refresh_from_db()
    assert response.status_code == (302 if allowed else 403)
    assert row.value == ("0" if allowed else "1")


@pytest.mark.parametrize("username", ROLES)
def test_every_role_views_the_change_history_of_configuration(client_for, username):
    biller = Biller.objects.get(slug="demo-incode")
    client = client_for(username)
    assert client.get(f"/admin/billers/biller/{biller.pk}/history/").status_code == 200
    page = client.get(f"/admin/billers/biller/{biller.pk}/configuration-history/")
    assert page.status_code == 200
    assert "#131 JSON Configuration" in page.content.decode()


def test_the_configuration_history_shows_who_changed_what_and_when(client_for):
    row = BillerSetting.objects.get(biller__slug="demo-watersmart", setting__setting_id=29)
    client = client_for("im")
    client.post(f"/admin/billers/billersetting/{row.pk}/change/",
                {"biller": row.biller_id, "setting": row.setting_id, "value": "0"})
    page = client_for("auditor").get(f"/admin/billers/biller/{row.biller_id}/configuration-history/")
    text = page.content.decode()
    first_row = text.split("<tbody>")[1].split("</tr>")[0]
    assert "im" in first_row and "#29 RemoteAuthenticationWS - Create Customer" in first_row
    assert "<b>value</b>: 1 &rarr; 0" in first_row


@pytest.mark.parametrize("perm, holders", [
    ("ingest.add_load", {"im", "support", "support2"}),
    ("ingest.approve_load", {"support", "support2"}),
    ("ingest.reverse_load", {"support", "support2"}),
    ("ingest.view_load", {"im", "support", "support2", "auditor"}),
    ("ingest.view_loadevent", {"im", "support", "support2", "auditor"}),
    ("billers.change_biller", {"im"}),
    ("billers.view_biller", {"im", "support", "support2", "auditor"}),
    ("ledger.view_account", {"im", "support", "support2", "auditor"}),
    ("ledger.change_account", set()),
])
def test_the_groups_hold_the_permissions_of_the_table(demo, perm, holders):
    users = User.objects.filter(username__in=["im", "support", "support2", "auditor"])
    assert {u.username for u in users if u.has_perm(perm)} == holders
