"""The admin home is a work queue per role, and each biller has a hub with charts (issue 12)."""
import datetime
import re

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from desk.dashboard import dashboard, missing_runs
from exports.models import ExportRun, RunStatus, Trigger
from ingest.models import Load
from tests.support.loadkit import demo, load_file, login, sample, upload  # noqa: F401

WS = ("demo-watersmart", "watersmart.invoice")


def panel(html, name):
    start = html.index(f'id="panel-{name}"')
    return html[start:html.index("</div>", start)]


def test_support_sees_waiting_running_and_failed_loads_and_the_upload_button(demo, tmp_path):
    _, waiting = upload(login("support"), *WS, sample("watersmart_invoice.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01")
    _, failed = upload(login("support"), *WS, bad)
    html = login("support").get(reverse("admin:index")).content.decode()
    assert 'id="upload-a-file"' in html
    assert f"{waiting.pk} watersmart_invoice.csv" in panel(html, "waiting")
    assert "4 / 3" in panel(html, "waiting")
    assert f"{failed.pk} bad.csv" in panel(html, "failed") and "not a text file" in panel(html, "failed")
    assert "Nothing is running." in panel(html, "running")
    assert "demo-watersmart" not in panel(html, "billers") and "Demo WaterSmart" in html
    assert re.search(r'class="badge badge-\w+">parse failed<', panel(html, "billers"))
    assert "panel-changes" not in html                       # configuration changes: implementation managers
    assert 'id="all-tables"' in html and "model-biller" in html  # the app list stays below


def test_auditors_get_the_read_only_version(demo):
    upload(login("support"), *WS, sample("watersmart_invoice.csv"))
    html = login("auditor").get(reverse("admin:index")).content.decode()
    assert 'id="read-only-note"' in html and 'id="upload-a-file"' not in html
    assert "watersmart_invoice.csv" in panel(html, "waiting")


def test_implementation_managers_see_the_configuration_changes_of_the_last_days(demo):
    biller = demo["demo-incode"]
    biller.requires_second_approver = not biller.requires_second_approver
    biller.save()
    html = login("im").get(reverse("admin:index")).content.decode()
    changes = panel(html, "changes")
    assert f"Changed biller: {biller.name}" in changes


def test_a_scheduled_run_that_did_not_happen_is_missing(demo):
    biller = demo["demo-watersmart"]
    now = datetime.datetime(2025, 3, 4, 12, 0, tzinfo=biller.zone)        # after the 06:00 run time
    missing = {(row["biller"].slug, row["format"].code, row["business_date"]) for row in missing_runs(now)}
    assert ("demo-watersmart", "watersmart.payments", datetime.date(2025, 3, 3)) in missing
    early = datetime.datetime(2025, 3, 4, 5, 0, tzinfo=biller.zone)
    assert not [row for row in missing_runs(early) if row["biller"] == biller]


def test_a_failed_run_is_listed_until_a_later_run_of_that_date_succeeds(demo):
    biller = demo["demo-watersmart"]
    fmt = biller.file_formats.get(file_format__code="watersmart.payments").file_format
    now = timezone.now()
    ExportRun.objects.create(biller=biller, file_format=fmt, business_date=datetime.date(2025, 3, 3),
                             trigger=Trigger.SCHEDULE, created_at=now, status=RunStatus.FAILED, failure="disk full")
    support = User.objects.get(username="support")
    assert [run.failure for run in dashboard(support, now)["failed_runs"]] == ["disk full"]
    ExportRun.objects.create(biller=biller, file_format=fmt, business_date=datetime.date(2025, 3, 3),
                             trigger=Trigger.ADMIN, created_at=now, status=RunStatus.SUCCEEDED)
    assert dashboard(support, now)["failed_runs"] == []


def test_the_hub_draws_the_charts_and_flags_a_load_that_moved_past_the_threshold(demo, tmp_path):
    first = load_file(*WS, "watersmart_invoice.csv")
    header = sample("watersmart_invoice.csv").read_text().splitlines()[0]
    bigger = tmp_path / "bigger.csv"
    rows = [f"{2000 + n},Name,1 Main,,Fresno,CA,93701,01/15/2025,02/05/2025,10.00,,{9000 + n},1" for n in range(9)]
    bigger.write_text(header + "\n" + "\n".join(rows) + "\n")
    _, second = upload(login("support"), *WS, bigger)
    html = login("support").get(reverse("admin:billers_biller_hub", args=[first.biller.pk])).content.decode()
    for chart in ("chart-records", "chart-total", "chart-errors", "chart-payments"):
        section = html[html.index(f'id="{chart}"'):]
        assert section.index("<svg") < section.index("</svg>") < section.index("</div>")
    assert html.count('<rect class="bar flagged"') >= 2          # the second load in records and total
    assert f'{second.pk}: 9' in html and "flagged" in html
    assert 'id="upload-for-biller"' in html and f"?biller={first.biller.pk}" in html
    assert "Configuration history" in html
    assert login("auditor").get(reverse("admin:billers_biller_hub", args=[first.biller.pk])).status_code == 200
    assert 'id="upload-for-biller"' not in login("auditor").get(
        reverse("admin:billers_biller_hub", args=[first.biller.pk])).content.decode()
    assert Load.objects.count() == 2


def test_a_missing_run_is_due_in_the_billers_zone(demo):
    biller = demo["demo-watersmart"]
    now = datetime.datetime(2025, 3, 4, 12, 0, tzinfo=biller.zone)
    row = next(r for r in missing_runs(now) if r["biller"] == biller)
    assert row["due"] == datetime.datetime(2025, 3, 4, 6, 0, tzinfo=biller.zone)
    from desk.templatetags.desk import in_zone

    assert in_zone(row["due"], biller.zone) == "2025-03-04 06:00 PST"
