"""The daily schedule of outbound files: one django-q2 Schedule per active biller.

django-q2 computes a DAILY schedule's next run in Django's TIME_ZONE (UTC here), so across a
daylight-saving change it would drift by an hour in the biller's zone. The schedule's next
run is therefore always set by `next_run_at` in the biller's zone: when the schedule is
synced (biller saved, `sync_export_schedules`), and every time the scheduler saves the
schedule after firing it (a pre_save receiver replaces django-q2's UTC arithmetic). A
next run already in the past (someone asked for a run now) is left alone.

The task runs every enabled outbound format for the previous business day, then retries the
business dates of the last week whose scheduled run failed; a format and date that already
has a succeeded scheduled run is skipped, so a repeated task is harmless (and carrying is
exactly-once anyway).
"""
import datetime
import logging

from django.utils import timezone
from django_q.models import Schedule

from billers.models import Biller
from exports.models import ExportRun, RunStatus, Trigger
from exports.runs import ExportFailed, ExportRefused, enabled_outbound, run_export

logger = logging.getLogger(__name__)

TASK = "exports.schedule.run_scheduled_exports"
RETRY_DAYS = 7


def schedule_name(biller):
    return f"outbound files: biller {biller.pk}"


def next_run_at(biller, after):
    """The first instant after `after` at which the biller's clock shows its export run time."""
    zone = biller.zone
    local_day = after.astimezone(zone).date()
    for offset in range(3):
        candidate = datetime.datetime.combine(local_day + datetime.timedelta(days=offset), biller.export_run_time,
                                              tzinfo=zone)
        # a time skipped by a spring-forward change runs at the same wall-clock offset (e.g. 03:30)
        if candidate > after:
            return candidate.astimezone(datetime.timezone.utc)
    raise AssertionError("unreachable: a day has passed")


def sync_schedule(biller, now=None):
    """Create, update or (inactive biller) delete the biller's schedule."""
    name = schedule_name(biller)
    if not biller.active:
        Schedule.objects.filter(name=name, func=TASK).delete()
        return None
    values = dict(func=TASK, args=repr(biller.pk), schedule_type=Schedule.DAILY, repeats=-1,
                  intended_date_kwarg="scheduled_for", next_run=next_run_at(biller, now or timezone.now()))
    schedule, _ = Schedule.objects.update_or_create(name=name, defaults=values)
    return schedule


def sync_all(now=None):
    return [sync_schedule(biller, now) for biller in Biller.objects.order_by("pk")]


def correct_next_run(sender, instance, **kwargs):
    """pre_save of django_q.Schedule: keep our schedules on the biller's local clock."""
    if instance.func != TASK or instance.next_run is None:
        return
    now = timezone.now()
    if instance.next_run <= now:
        return
    try:
        biller = Biller.objects.get(pk=int(instance.args))
    except (Biller.DoesNotExist, TypeError, ValueError):
        return
    instance.next_run = next_run_at(biller, now)


def dates_to_run(biller, file_format, business_date):
    """The business date, then earlier dates (last week) whose scheduled run failed and has not
    succeeded since; minus those that already have a succeeded scheduled run."""
    recent = ExportRun.objects.filter(biller=biller, file_format=file_format, trigger=Trigger.SCHEDULE,
                                      business_date__gte=business_date - datetime.timedelta(days=RETRY_DAYS),
                                      business_date__lte=business_date)
    done = set(recent.filter(status=RunStatus.SUCCEEDED).values_list("business_date", flat=True))
    failed = set(recent.filter(status=RunStatus.FAILED).values_list("business_date", flat=True))
    return sorted((failed | {business_date}) - done)


def run_scheduled_exports(biller_id, scheduled_for=None):
    """The scheduled task: every enabled outbound format of the biller for the previous
    business day (the day before the scheduled time, in the biller's zone)."""
    biller = Biller.objects.get(pk=biller_id)
    when = datetime.datetime.fromisoformat(scheduled_for) if scheduled_for else timezone.now()
    business_date = when.astimezone(biller.zone).date() - datetime.timedelta(days=1)
    outcome = []
    for row in enabled_outbound(biller):
        for date in dates_to_run(biller, row.file_format, business_date):
            try:
                run = run_export(biller, row.file_format.code, date, trigger=Trigger.SCHEDULE,
                                 schedule_name=schedule_name(biller))
                outcome.append(f"{row.file_format.code} {date}: run {run.pk}")
            except (ExportFailed, ExportRefused) as exc:
                logger.error("scheduled export of %s: %s", biller.slug, exc)
                outcome.append(f"{row.file_format.code} {date}: {exc}")
    return outcome
