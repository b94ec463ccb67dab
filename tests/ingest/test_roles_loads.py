"""The role matrix of DESIGN.md for loads: who may upload, approve, reject, retry and view;
each refusal is tested (and leaves the load as it was)."""
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from billers.models import Biller
from ingest import pipeline
from ingest.lifecycle import FourEyesRefused, PermissionRefused
from ingest.models import Load
from tests.support.loadkit import approve, change_url, demo, login, sample, upload, upload_url  # noqa: F401

WS = ("demo-watersmart", "watersmart.invoice")


@pytest.fixture
def parsed(demo):
    _, load = upload(login("support"), *WS, sample("watersmart_invoice.csv"))
    load.refresh_from_db()
    assert load.status == "parsed"
    return load


def workflow_urls(load):
    return [reverse(f"admin:ingest_load_{name}", args=[load.pk]) for name in ("approve", "reject", "retry", "reparse")]


def test_it_sends_anonymous_users_to_the_login_page(parsed):
    client = Client()
    urls = [upload_url(), reverse("admin:ingest_load_changelist"), change_url(parsed),
            reverse("admin:ingest_load_export")] + workflow_urls(parsed) + [
        reverse(f"admin:ingest_load_download_{what}", args=[parsed.pk]) for what in ("errors", "ic", "original")]
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    parsed.refresh_from_db()
    assert parsed.status == "parsed"


def test_it_refuses_the_upload_to_auditors(demo):
    auditor = login("auditor")
    assert auditor.get(upload_url()).status_code == 403
    response, load = upload(auditor, *WS, sample("watersmart_invoice.csv"))
    assert response.status_code == 403 and load is None
    assert "Upload a partner file" not in auditor.get(reverse("admin:ingest_load_changelist")).content.decode()


def test_it_refuses_approval_and_rejection_to_auditors(parsed):
    auditor = login("auditor")
    assert auditor.get(change_url(parsed)).status_code == 200
    for url in workflow_urls(parsed)[:2]:
        assert auditor.get(url).status_code == 403
    response = approve(auditor, parsed)
    assert response.status_code == 403 and parsed.status == "parsed"
    response = auditor.post(reverse("admin:ingest_load_reject", args=[parsed.pk]), {"reason": "no"})
    assert response.status_code == 403
    parsed.refresh_from_db()
    assert parsed.status == "parsed"
    assert "/approve/" not in auditor.get(change_url(parsed)).content.decode()


def test_it_lets_implementation_managers_upload_but_not_approve(demo):
    im = login("im")
    response, load = upload(im, *WS, sample("watersmart_invoice.csv"))
    assert response.status_code == 302
    load.refresh_from_db()
    assert load.status == "parsed" and load.uploaded_by.username == "im"
    response = approve(im, load)
    assert response.status_code == 403 and load.status == "parsed"
    assert "may not approve" in response.content.decode()
    response = im.post(reverse("admin:ingest_load_reject", args=[load.pk]), {"reason": "no"})
    assert response.status_code == 403
    with pytest.raises(PermissionRefused):
        pipeline.approve(load, User.objects.get(username="im"), acknowledge_errors=True)


def test_it_refuses_the_uploader_as_approver_on_a_four_eyes_biller(demo):
    Biller.objects.filter(slug="demo-watersmart").update(requires_second_approver=True)
    support = login("support")
    _, load = upload(support, *WS, sample("watersmart_invoice.csv"))
    load.refresh_from_db()
    page = support.get(change_url(load)).content.decode()
    assert "Four-eyes" in page and "/approve/" not in page
    response = approve(support, load)
    assert response.status_code == 403 and load.status == "parsed"
    assert "requires a second person" in response.content.decode()
    with pytest.raises(FourEyesRefused):
        pipeline.approve(load, User.objects.get(username="support"), acknowledge_errors=True)
    response = approve(login("support2"), load)
    assert response.status_code == 302 and load.status == "loaded"
    assert load.approved_by.username == "support2"


def test_it_lets_the_uploader_approve_when_the_biller_has_no_four_eyes_rule(demo):
    support = login("support")
    _, load = upload(support, *WS, sample("watersmart_invoice.csv"))
    approve(support, load)
    assert load.status == "loaded" and load.approved_by == load.uploaded_by


def test_it_refuses_the_load_pages_to_staff_without_a_role(parsed):
    User.objects.create_user("nobody", password="x", is_staff=True)
    client = login("nobody")
    assert client.get(reverse("admin:ingest_load_changelist")).status_code == 403
    assert client.get(change_url(parsed)).status_code == 403
    for what in ("errors", "ic", "original"):
        assert client.get(reverse(f"admin:ingest_load_download_{what}", args=[parsed.pk])).status_code == 403
    assert client.post(reverse("admin:ingest_load_export"), {"format": "0"}).status_code == 403
    assert client.get(upload_url()).status_code == 403


def test_it_refuses_retry_to_auditors(demo, tmp_path):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02 not text")
    _, load = upload(login("support"), *WS, binary)
    load.refresh_from_db()
    assert load.status == "parse_failed"
    auditor = login("auditor")
    assert auditor.get(reverse("admin:ingest_load_retry", args=[load.pk])).status_code == 403
    response = auditor.post(reverse("admin:ingest_load_retry", args=[load.pk]))
    assert response.status_code == 403 and "auditor may not retry this load" in response.content.decode()
    assert Load.objects.get(pk=load.pk).events.count() == 3
