"""The operations schedule: one django-q2 Schedule that scans the watched inbox and checks the
alerts every INBOX_SCAN_SECONDS (setting; 0 removes the schedule).

django-q2's MINUTES schedules step by whole minutes, and its scheduler looks at the schedules
about every 30 seconds (the cluster's guard loop calls it every 30 s). Like exports.schedule,
a pre_save receiver sets the next run when the scheduler saves the schedule after firing it:
INBOX_SCAN_SECONDS from then (of the workers' settings), so in practice the scan runs every
max(INBOX_SCAN_SECONDS, ~30) seconds. The schedule is synced after every `migrate` and by
`manage.py sync_inbox_schedule`.
"""
import datetime
import logging
import math

from django.conf import settings
from django.db.models.signals import post_migrate, pre_save
from django.utils import timezone

logger = logging.getLogger(__name__)

NAME = "operations: watched inbox and alerts"
TASK = "operations.schedule.scan_and_check"


def sync_schedule(now=None):
    """Create, update or (INBOX_SCAN_SECONDS 0) delete the schedule; returns it or None."""
    from django_q.models import Schedule  # django_q imported in functions only (icportal.workers)

    seconds = settings.INBOX_SCAN_SECONDS
    if not seconds:
        Schedule.objects.filter(name=NAME).delete()
        return None
    values = dict(func=TASK, schedule_type=Schedule.MINUTES, minutes=max(1, math.ceil(seconds / 60)), repeats=-1,
                  next_run=now or timezone.now())
    schedule, _ = Schedule.objects.update_or_create(name=NAME, defaults=values)
    return schedule


def correct_next_run(sender, instance, **kwargs):
    """pre_save of django_q.Schedule: our schedule's next run is INBOX_SCAN_SECONDS from now."""
    if instance.func != TASK or instance.next_run is None or not settings.INBOX_SCAN_SECONDS:
        return
    now = timezone.now()
    if instance.next_run <= now:  # someone asked for a run now
        return
    instance.next_run = now + datetime.timedelta(seconds=settings.INBOX_SCAN_SECONDS)


def scan_and_check():
    """The scheduled task: scan the inbox, then check the alerts (each failure logged, never raised)."""
    from operations import alerts, inbox

    outcome = {}
    try:
        outcome["inbox"] = [f"{f.biller.slug}/{f.name}: {f.outcome}" for f in inbox.scan()]
    except Exception:
        logger.exception("inbox scan failed")
    try:
        outcome["alerts"] = [alert.subject for alert in alerts.check()]
    except Exception:
        logger.exception("alert check failed")
    return outcome


def synced_after_migrate(sender, using="default", **kwargs):
    from django.db import connections

    from django_q.models import Schedule

    connection = connections[using]
    with connection.cursor() as cursor:
        if Schedule._meta.db_table not in connection.introspection.table_names(cursor):
            return
    sync_schedule()


def connect(app_config):
    from django_q.models import Schedule

    pre_save.connect(correct_next_run, sender=Schedule, dispatch_uid="operations.correct_next_run")
    post_migrate.connect(synced_after_migrate, sender=app_config, dispatch_uid="operations.sync_schedule")
