"""The operations schedule (scan the inbox, check alerts) every INBOX_SCAN_SECONDS."""
import datetime

from django.utils import timezone
from django_q.models import Schedule

from operations.models import InboxFile
from operations.schedule import NAME, TASK, scan_and_check, sync_schedule
from tests.support.inbox import drop_invoices


def test_the_schedule_runs_every_inbox_scan_seconds_and_zero_removes_it(db, settings):
    settings.INBOX_SCAN_SECONDS = 20
    schedule = sync_schedule()
    assert (schedule.name, schedule.func, schedule.schedule_type, schedule.minutes) == (NAME, TASK, Schedule.MINUTES, 1)
    # what django-q2's scheduler does after firing it: next run a whole minute later, saved
    schedule.next_run = timezone.now() + datetime.timedelta(minutes=1)
    before = timezone.now()
    schedule.save()
    schedule.refresh_from_db()
    after = timezone.now()
    assert before + datetime.timedelta(seconds=20) <= schedule.next_run <= after + datetime.timedelta(seconds=20)
    settings.INBOX_SCAN_SECONDS = 0
    assert sync_schedule() is None
    assert not Schedule.objects.filter(name=NAME).exists()


def test_the_scheduled_task_scans_and_checks(demo, settings, tmp_path):
    settings.INBOX_ROOT = tmp_path
    drop_invoices(tmp_path, "demo-watersmart", "WS_Invoice_1.csv", 790_000, 2)
    assert scan_and_check()["inbox"] == []
    outcome = scan_and_check()
    assert outcome["inbox"] == ["demo-watersmart/WS_Invoice_1.csv: loaded"] and "alerts" in outcome
    assert InboxFile.objects.get().load.original_name == "WS_Invoice_1.csv"
