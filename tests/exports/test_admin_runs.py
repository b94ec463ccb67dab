"""Export runs in the admin: who runs, who downloads, nobody edits or deletes."""
import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from exports.activity import import_activity
from exports.models import ExportRun, RunStatus, Trigger
from exports.runs import read_file, run_export
from tests.support.activity import make_csv, payment_row

RUN_URL = reverse("admin:exports_exportrun_run")
LIST_URL = reverse("admin:exports_exportrun_changelist")


@pytest.fixture
def run(watersmart):
    import_activity("payments", watersmart, make_csv("payments", [payment_row(CustomerName="Smith, Joseph")]))
    return run_export(watersmart, "watersmart.payments", datetime.date(2025, 3, 9))


def download_url(run):
    return reverse("admin:exports_exportfile_download", args=[run.files.get().pk])


def login(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def target(biller, code):
    return biller.file_formats.get(file_format__code=code).pk


def test_it_lets_support_run_outbound_files(client, watersmart):
    login(client, "support")
    assert f"href=\"{RUN_URL}\"" in client.get(LIST_URL).content.decode()
    assert client.get(RUN_URL).status_code == 200
    import_activity("payments", watersmart, make_csv("payments", [payment_row()]))
    response = client.post(RUN_URL, {"target": target(watersmart, "watersmart.payments"),
                                     "business_date": "2025-03-09"})
    run = ExportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("admin:exports_exportrun_change",
                                                                           args=[run.pk])
    assert (run.status, run.record_count, run.trigger) == (RunStatus.SUCCEEDED, 1, Trigger.ADMIN)
    assert run.triggered_by.username == "support"


@pytest.mark.parametrize("username", ["auditor", "im"])
def test_it_does_not_let_auditors_or_implementation_managers_run(client, watersmart, username):
    login(client, username)
    assert client.get(LIST_URL).status_code == 200
    assert RUN_URL not in client.get(LIST_URL).content.decode()
    assert client.get(RUN_URL).status_code == 403
    response = client.post(RUN_URL, {"target": target(watersmart, "watersmart.payments"),
                                     "business_date": "2025-03-09"})
    assert response.status_code == 403 and not ExportRun.objects.exists()


def test_it_offers_only_enabled_outbound_formats(client, watersmart):
    login(client, "support")
    response = client.post(RUN_URL, {"target": target(watersmart, "watersmart.invoice"),
                                     "business_date": "2025-03-09"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not ExportRun.objects.exists()


@pytest.mark.parametrize("username", ["support", "auditor", "im"])
def test_it_downloads_the_stored_bytes_for_every_role(client, run, username):
    login(client, username)
    response = client.get(download_url(run))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="%s"' % run.files.get().name
    body = b"".join(response.streaming_content)
    assert body == read_file(run.files.get()) and b"Smith Joseph" in body
    assert b"".join(client.get(download_url(run)).streaming_content) == body


def test_it_sends_anonymous_users_to_the_login_page(client, run):
    response = client.get(download_url(run))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_it_refuses_staff_without_the_view_permission(client, run):
    User.objects.create_user("intern", password="x", is_staff=True)
    login(client, "intern")
    assert client.get(download_url(run)).status_code == 403
    assert client.get(RUN_URL).status_code == 403


def test_nobody_edits_or_deletes_a_run(client, run):
    for username in ["support", "auditor", "im"]:
        login(client, username)
        change = reverse("admin:exports_exportrun_change", args=[run.pk])
        page = client.get(change)
        assert page.status_code == 200 and b'name="_save"' not in page.content
        assert client.post(change, {"status": "failed"}).status_code == 403
        assert client.post(reverse("admin:exports_exportrun_delete", args=[run.pk]), {"post": "yes"}).status_code == 403
        assert client.get(reverse("admin:exports_exportrun_add")).status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED


def test_it_shows_a_failed_run_with_its_message(client, watersmart, monkeypatch):
    monkeypatch.setattr("exports.writers.watersmart_payments.write", lambda *a: 1 / 0)
    login(client, "support")
    response = client.post(RUN_URL, {"target": target(watersmart, "watersmart.payments"),
                                     "business_date": "2025-03-09"}, follow=True)
    failed = ExportRun.objects.get()
    assert failed.status == RunStatus.FAILED and failed.failure == "division by zero"
    page = response.content.decode()
    assert f"Run #{failed.pk} failed: division by zero" in page  # the worker ran it (sync mode in tests)
    assert '<div class="readonly">division by zero</div>' in page and "Traceback" not in page


@pytest.mark.parametrize("username", ["auditor", "support"])
def test_it_names_who_triggered_a_run_without_a_link_to_the_user_record(client, run, username):
    run.triggered_by = User.objects.get(username="support")
    run.save()
    html = login(client, username).get(reverse("admin:exports_exportrun_change", args=[run.pk])).content.decode()
    assert '<div class="readonly">support</div>' in html
    assert "/admin/auth/user/" not in html
