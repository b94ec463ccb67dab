"""Alerts (issue 15): one alert per condition, however often it is checked, shown on the
dashboard and e-mailed to the biller's contacts; acknowledged by permission."""
import datetime

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from billers.models import Biller, Cadence, ExpectedFile, FileFormat
from exports.models import ExportRun, RunStatus, Trigger
from ingest import pipeline
from ingest.lifecycle import transition
from ingest.models import LoadStatus
from operations import alerts
from operations.models import Alert, AlertKind
from tests.support.loadkit import login, sample, upload

WS = "demo-watersmart"
CODE = "watersmart.invoice"


@pytest.fixture
def contacts(demo):
    Biller.objects.filter(slug=WS).update(alert_contacts="ops@example.com,\nsecond@example.com")


def expect(**values):
    biller = Biller.objects.get(slug=WS)
    expected = ExpectedFile.objects.create(biller=biller, file_format=FileFormat.objects.get(code=CODE),
                                           **{"due_time": datetime.time(0, 0), "grace_minutes": 60, **values})
    ExpectedFile.objects.filter(pk=expected.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    return expected


def of_kind(kind):
    return list(Alert.objects.filter(kind=kind))


def test_a_missing_expected_file_raises_one_alert_after_several_checks(contacts, client_for):
    expected = expect()
    for _ in range(3):
        alerts.check()
    call_command("check_alerts")
    [alert] = of_kind(AlertKind.MISSING_FILE)
    biller = expected.biller
    due = next(expected.due_instants(timezone.now() - datetime.timedelta(minutes=60)))
    assert alert.biller == biller and alert.key == f"missing_file:{expected.pk}:{due.isoformat()}"
    assert alert.subject == (f"{WS}: the {CODE} file due {due.strftime('%Y-%m-%d %H:%M %Z')} has not arrived")
    assert [(m.subject, m.to) for m in mail.outbox if "has not arrived" in m.subject] == [
        (f"[IC portal] {alert.subject}", ["ops@example.com", "second@example.com"])]
    assert alert.emailed_to == "ops@example.com, second@example.com" and alert.emailed_at is not None
    html = client_for("support").get(reverse("admin:index")).content.decode()
    start = html.index('id="panel-alerts"')
    assert alert.subject in html[start:html.index("</div>", start)]


def test_a_file_received_since_the_previous_due_time_raises_nothing(contacts):
    expect()
    upload(login("support"), WS, CODE, sample("watersmart_invoice.csv"))
    alerts.check()
    assert of_kind(AlertKind.MISSING_FILE) == []


def test_the_next_due_day_without_a_file_is_a_new_alert(contacts):
    expected = expect()
    now = timezone.now()
    alerts.check(now)
    alerts.check(now + datetime.timedelta(days=1))
    alerts.check(now + datetime.timedelta(days=1, minutes=5))
    assert len(of_kind(AlertKind.MISSING_FILE)) == 2
    assert Alert.objects.filter(key__startswith=f"missing_file:{expected.pk}:").count() == 2


def test_an_expectation_newer_than_its_due_time_raises_nothing(contacts):
    expected = expect()
    ExpectedFile.objects.filter(pk=expected.pk).update(created_at=timezone.now())
    alerts.check()
    assert of_kind(AlertKind.MISSING_FILE) == []


def test_due_days_follow_the_cadence_in_the_billers_zone(demo):
    biller = Biller.objects.get(slug=WS)   # America/Los_Angeles
    fmt = FileFormat.objects.get(code=CODE)
    weekdays = ExpectedFile(biller=biller, file_format=fmt, cadence=Cadence.WEEKDAYS, due_time=datetime.time(7, 30))
    monday = datetime.datetime(2025, 3, 10, 20, 0, tzinfo=datetime.timezone.utc)   # 13:00 in Los Angeles
    assert [d.isoformat() for d in list(weekdays.due_instants(monday))[:3]] == [
        "2025-03-10T07:30:00-07:00", "2025-03-07T07:30:00-08:00", "2025-03-06T07:30:00-08:00"]
    monthly = ExpectedFile(biller=biller, file_format=fmt, cadence=Cadence.MONTHLY, day_of_month=31,
                           due_time=datetime.time(6, 0))
    april = datetime.datetime(2025, 5, 2, tzinfo=datetime.timezone.utc)
    assert [d.date().isoformat() for d in monthly.due_instants(april, days=70)] == [
        "2025-04-30", "2025-03-31", "2025-02-28"]                     # the month's last day when shorter


@pytest.mark.parametrize("values, field", [
    ({"cadence": Cadence.MONTHLY}, "day_of_month"),
    ({"cadence": Cadence.DAILY, "day_of_month": 3}, "day_of_month"),
])
def test_an_expectation_is_validated(demo, values, field):
    from django.core.exceptions import ValidationError

    expected = ExpectedFile(biller=Biller.objects.get(slug=WS), file_format=FileFormat.objects.get(code=CODE),
                            due_time=datetime.time(6, 0), **values)
    with pytest.raises(ValidationError) as refused:
        expected.full_clean()
    assert list(refused.value.message_dict) == [field]


def test_a_failed_parse_raises_one_alert_and_a_failure_after_a_retry_another(contacts, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01")
    _, load = upload(login("support"), WS, CODE, bad)
    alerts.check()
    alerts.check()
    [alert] = of_kind(AlertKind.PARSE_FAILED)
    assert alert.subject == f"{WS}: parse of load {load.pk} (bad.csv) failed"
    assert "not a text file" in alert.detail
    pipeline.retry(load, User.objects.get(username="support"))
    alerts.check()
    assert len(of_kind(AlertKind.PARSE_FAILED)) == 2


def test_a_failed_load_raises_an_alert(contacts):
    _, load = upload(login("support"), WS, CODE, sample("watersmart_invoice.csv"))
    pipeline.approve(load, User.objects.get(username="support2"), acknowledge_errors=True)
    transition(load, LoadStatus.LOAD_FAILED, None, "disk full", failure="disk full")
    alerts.check()
    alerts.check()
    [alert] = of_kind(AlertKind.LOAD_FAILED)
    assert alert.subject == f"{WS}: load of load {load.pk} (watersmart_invoice.csv) failed"
    assert alert.detail == "disk full"


def test_a_load_waiting_for_approval_past_its_threshold_raises_one_alert(contacts, settings):
    settings.ALERT_APPROVAL_WAIT_MINUTES = 30
    _, load = upload(login("support"), WS, CODE, sample("watersmart_invoice.csv"))
    now = timezone.now()
    alerts.check(now + datetime.timedelta(minutes=29))
    assert of_kind(AlertKind.WAITING_APPROVAL) == []
    alerts.check(now + datetime.timedelta(minutes=31))
    alerts.check(now + datetime.timedelta(minutes=40))
    [alert] = of_kind(AlertKind.WAITING_APPROVAL)
    assert alert.subject == (f"{WS}: load {load.pk} (watersmart_invoice.csv) has waited for approval more than "
                             "30 minutes")
    expect(approval_wait_minutes=5)                  # the expected file's own threshold
    Alert.objects.all().delete()
    alerts.check(now + datetime.timedelta(minutes=6))
    assert "more than 5 minutes" in of_kind(AlertKind.WAITING_APPROVAL)[0].subject


def test_failed_and_missed_export_runs_raise_one_alert_each(contacts):
    biller = Biller.objects.get(slug=WS)
    fmt = FileFormat.objects.get(code="watersmart.payments")
    run = ExportRun.objects.create(biller=biller, file_format=fmt, business_date=datetime.date(2025, 3, 3),
                                   trigger=Trigger.SCHEDULE, created_at=timezone.now(), status=RunStatus.FAILED,
                                   failure="disk full")
    later = (timezone.now() + datetime.timedelta(days=2)).astimezone(biller.zone).replace(hour=12, minute=0)
    for _ in range(3):
        alerts.check(later)
    assert [(a.subject, a.detail) for a in of_kind(AlertKind.EXPORT_FAILED)] == [
        (f"{WS}: export run {run.pk} (watersmart.payments, 2025-03-03) failed", "disk full")]
    business_date = later.date() - datetime.timedelta(days=1)
    missed = Alert.objects.filter(kind=AlertKind.EXPORT_MISSED, biller=biller)
    assert sorted(a.key for a in missed) == sorted(
        f"export_missed:{biller.pk}:{row.file_format_id}:{business_date}"
        for row in biller.file_formats.filter(enabled=True, file_format__direction="outbound"))
    early = later.replace(hour=6, minute=30)        # the 06:00 run has its grace hour
    Alert.objects.filter(kind=AlertKind.EXPORT_MISSED).delete()
    alerts.check(early)
    assert not Alert.objects.filter(kind=AlertKind.EXPORT_MISSED, biller=biller).exists()


def test_an_alert_without_contacts_is_only_on_the_dashboard_and_a_failed_mail_is_sent_later(demo, settings):
    expect()
    alerts.check()
    [alert] = of_kind(AlertKind.MISSING_FILE)
    assert alert.emailed_at is None and not [m for m in mail.outbox if alert.subject in m.subject]
    Biller.objects.filter(slug=WS).update(alert_contacts="late@example.com")
    alerts.check()
    alert.refresh_from_db()
    assert alert.emailed_to == "late@example.com"
    assert [m.to for m in mail.outbox if alert.subject in m.subject] == [["late@example.com"]]


def test_support_acknowledges_alerts_and_auditors_may_not(contacts, client_for):
    expect()
    alerts.check()
    [alert] = of_kind(AlertKind.MISSING_FILE)
    url = reverse("admin:operations_alert_changelist")
    form = {"action": "acknowledge", "_selected_action": [alert.pk]}
    auditor = client_for("auditor")
    assert auditor.get(url).status_code == 200
    auditor.post(url, form)
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    response = client_for("support").post(url, form)
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by.username == "support" and alert.acknowledged_at is not None
    html = client_for("support").get(reverse("admin:index")).content.decode()
    assert alert.subject not in html                 # acknowledged: off the dashboard


def test_alert_contacts_must_be_addresses(demo):
    from django.core.exceptions import ValidationError

    biller = Biller.objects.get(slug=WS)
    biller.alert_contacts = "ops@example.com, not an address"
    with pytest.raises(ValidationError) as refused:
        biller.full_clean()
    assert refused.value.message_dict["alert_contacts"] == ["'not' is not an e-mail address"]
