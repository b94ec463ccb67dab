"""The daily schedule: next run on the biller's local clock across daylight-saving changes,
the previous business day for every enabled outbound format, failures recorded and retried."""
import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from exports.activity import import_activity
from exports.models import ExportRun, RunStatus, Trigger
from exports.schedule import TASK, next_run_at, run_scheduled_exports, schedule_name, sync_schedule
from tests.support.activity import make_csv, payment_row

UTC = datetime.timezone.utc


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("after, expected", [
    (utc(2025, 3, 8, 14, 0, 1), utc(2025, 3, 9, 13, 0)),  # 06:00 PST -> next day 06:00 PDT (spring forward)
    (utc(2025, 3, 9, 13, 0, 1), utc(2025, 3, 10, 13, 0)),
    (utc(2025, 11, 1, 13, 0, 1), utc(2025, 11, 2, 14, 0)),  # 06:00 PDT -> next day 06:00 PST (fall back)
    (utc(2025, 11, 2, 13, 30), utc(2025, 11, 2, 14, 0)),  # 05:30 PST, same day
])
def test_it_runs_at_the_billers_local_time_across_dst(watersmart, after, expected):
    assert next_run_at(watersmart, after) == expected


def test_it_runs_a_time_skipped_by_spring_forward_an_hour_later(watersmart):
    watersmart.export_run_time = datetime.time(2, 30)
    assert next_run_at(watersmart, utc(2025, 3, 8, 12)) == utc(2025, 3, 9, 10, 30)  # 03:30 PDT


def test_it_keeps_a_schedule_per_biller_in_step_with_the_biller(watersmart):
    schedule = Schedule.objects.get(name=schedule_name(watersmart))
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (TASK, Schedule.DAILY, -1)
    watersmart.export_run_time = datetime.time(7, 15)
    watersmart.save()
    schedule.refresh_from_db()
    local = schedule.next_run.astimezone(watersmart.zone)
    assert (local.hour, local.minute) == (7, 15) and schedule.next_run > timezone.now()
    watersmart.active = False
    watersmart.save()
    assert not Schedule.objects.filter(name=schedule_name(watersmart)).exists()


def test_it_corrects_django_q2s_utc_arithmetic_when_the_scheduler_saves(watersmart):
    schedule = sync_schedule(watersmart)
    schedule.next_run = schedule.next_run + datetime.timedelta(days=1, hours=1)  # what a UTC "+1 day" may give
    schedule.save()
    schedule.refresh_from_db()
    assert schedule.next_run == next_run_at(watersmart, timezone.now())
    schedule.next_run = timezone.now() - datetime.timedelta(minutes=1)  # "run now" is left alone
    schedule.save()
    schedule.refresh_from_db()
    assert schedule.next_run < timezone.now()


def test_the_scheduler_runs_every_enabled_format_for_the_previous_day(watersmart):
    from django_q.scheduler import scheduler

    yesterday = timezone.now().astimezone(watersmart.zone).date() - datetime.timedelta(days=1)
    import_activity("payments", watersmart, make_csv("payments", [payment_row(
        PaymentDate=datetime.datetime.combine(yesterday, datetime.time(12), tzinfo=watersmart.zone).isoformat())]))
    Schedule.objects.filter(func=TASK).exclude(name=schedule_name(watersmart)).delete()
    schedule = Schedule.objects.get(name=schedule_name(watersmart))
    Schedule.objects.filter(pk=schedule.pk).update(next_run=timezone.now() - datetime.timedelta(seconds=5))
    scheduler()  # Q_CLUSTER sync: the task runs inline
    runs = ExportRun.objects.filter(biller=watersmart)
    assert sorted(runs.values_list("file_format__code", flat=True)) == [
        "watersmart.changelog", "watersmart.payments", "watersmart.rejects"]
    assert set(runs.values_list("business_date", "trigger", "status")) == {
        (yesterday, Trigger.SCHEDULE, RunStatus.SUCCEEDED)}
    assert runs.get(file_format__code="watersmart.payments").record_count == 1
    schedule.refresh_from_db()
    assert schedule.next_run == next_run_at(watersmart, timezone.now())


def test_it_records_a_failed_scheduled_run_and_retries_it_next_time(watersmart, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("no space left on device")

    monkeypatch.setattr("exports.writers.watersmart_rejects.write", broken)
    run_scheduled_exports(watersmart.pk, "2025-03-10T14:00:00+00:00")
    failed = ExportRun.objects.get(file_format__code="watersmart.rejects")
    assert (failed.status, failed.business_date, failed.failure) == (
        RunStatus.FAILED, datetime.date(2025, 3, 9), "no space left on device")
    monkeypatch.undo()
    run_scheduled_exports(watersmart.pk, "2025-03-10T14:00:00+00:00")  # a retry of the same task
    run_scheduled_exports(watersmart.pk, "2025-03-11T13:00:00+00:00")  # the next day
    rejects = ExportRun.objects.filter(file_format__code="watersmart.rejects", status=RunStatus.SUCCEEDED)
    assert sorted(rejects.values_list("business_date", flat=True)) == [datetime.date(2025, 3, 9),
                                                                       datetime.date(2025, 3, 10)]
    payments = ExportRun.objects.filter(file_format__code="watersmart.payments")
    assert payments.count() == 2  # the repeated task did not run 3/9 again


def test_the_sync_command_lists_every_billers_next_run(demo, capsys):
    call_command("sync_export_schedules")
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all(": next run " in line for line in out)
