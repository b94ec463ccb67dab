"""Approve and reject: confirmation pages acting only on POST, the explicit acknowledgement
of error records, and a reason for every rejection."""
from django.urls import reverse

from ledger.models import Invoice
from tests.support.loadkit import approve, change_url, demo, login, sample, upload  # noqa: F401

WS = ("demo-watersmart", "watersmart.invoice")


def parsed_load():
    _, load = upload(login("support"), *WS, sample("watersmart_invoice.csv"))
    load.refresh_from_db()
    return load


def test_it_shows_a_confirmation_page_and_acts_only_on_post(demo):
    load = parsed_load()
    page = login("support2").get(reverse("admin:ingest_load_approve", args=[load.pk]))
    assert page.status_code == 200
    assert "Load 4 ok records, leave 3 errors in the error report" in page.content.decode()
    load.refresh_from_db()
    assert load.status == "parsed"


def test_it_needs_the_explicit_acknowledgement_of_error_records(demo):
    load = parsed_load()
    response = approve(login("support2"), load, acknowledge_errors=False)
    assert response.status_code == 200 and load.status == "parsed"
    assert "must be acknowledged explicitly" in response.content.decode()
    assert not Invoice.objects.exists()
    approve(login("support2"), load, acknowledge_errors=True, note="checked with the biller")
    assert load.status == "loaded" and load.errors_acknowledged
    assert load.events.get(to_status="approved").note == \
        "checked with the biller; load 4 ok records, leave 3 errors"


def test_it_needs_a_reason_to_reject(demo):
    load = parsed_load()
    url = reverse("admin:ingest_load_reject", args=[load.pk])
    support2 = login("support2")
    response = support2.post(url, {"reason": "   "})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    load.refresh_from_db()
    assert load.status == "parsed"
    response = support2.post(url, {"reason": "wrong billing cycle"})
    assert response.status_code == 302 and response["Location"] == change_url(load)
    load.refresh_from_db()
    assert load.status == "rejected" and load.rejection_reason == "wrong billing cycle"
    event = load.events.last()
    assert (event.to_status, event.user.username, event.note) == ("rejected", "support2", "wrong billing cycle")
    # a rejected load can be neither approved nor rejected again
    response = approve(support2, load)
    assert response.status_code == 302 and load.status == "rejected"
    assert not Invoice.objects.exists()


def test_it_refuses_to_approve_a_load_that_is_not_parsed(demo, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x00\x01")
    _, load = upload(login("support"), *WS, path)
    response = approve(login("support2"), load)
    assert response.status_code == 302 and load.status == "parse_failed"
    assert "only a parsed load can be approved" in str(list(response.wsgi_request._messages))


def test_it_confirms_a_retry_before_acting(demo, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x00\x01")
    _, load = upload(login("support"), *WS, path)
    url = reverse("admin:ingest_load_retry", args=[load.pk])
    page = login("support").get(url)
    assert page.status_code == 200 and 'value="Retry"' in page.content.decode()
    load.refresh_from_db()
    assert load.status == "parse_failed" and load.events.count() == 3


def test_it_offers_the_upload_and_export_on_the_history_list(demo):
    html = login("support").get(reverse("admin:ingest_load_changelist")).content.decode()
    assert reverse("admin:ingest_load_upload") in html and reverse("admin:ingest_load_export") in html
    html = login("auditor").get(reverse("admin:ingest_load_changelist")).content.decode()
    assert reverse("admin:ingest_load_upload") not in html and reverse("admin:ingest_load_export") in html
