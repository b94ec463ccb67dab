"""Alerts (issue 15): conditions that need a person, raised by `check` (the operations
schedule and `manage.py check_alerts`), shown on the dashboard and e-mailed once to the
biller's alert contacts through Django's e-mail backend.

Each condition has a dedup key, so checking it again and again gives ONE alert:

| kind | condition | key |
|---|---|---|
| missing_file | an expected file (billers.ExpectedFile) has no load created since the due instant before, `grace_minutes` after its due time | `missing_file:<expected>:<due instant>` |
| parse_failed / load_failed | a load failed (last 7 days); failing again after a retry is a new condition | `<status>:<load>:<n-th failure>` |
| waiting_approval | a parsed load waits longer than its threshold (the expected file's `approval_wait_minutes`, else ALERT_APPROVAL_WAIT_MINUTES) | `waiting_approval:<load>:<n-th parse>` |
| export_failed | an export run failed (last 7 days) | `export_failed:<run>` |
| export_missed | a biller's daily outbound run has not run ALERT_EXPORT_GRACE_MINUTES after its time | `export_missed:<biller>:<format>:<business date>` |
"""
import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from billers.models import BillerFileFormat, ExpectedFile
from exports.models import ExportRun, RunStatus
from ingest.models import Load, LoadEvent, LoadStatus
from operations.models import Alert, AlertKind

logger = logging.getLogger(__name__)

RECENT_DAYS = 7


def raise_alert(kind, biller, key, subject, detail=""):
    """The alert of this key: created (and e-mailed) the first time, then left as it is. Returns
    (alert, created)."""
    existing = Alert.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(kind=kind, biller=biller, key=key[:200], subject=subject[:300], detail=detail)
    except IntegrityError:  # another check raised it at the same instant
        return Alert.objects.get(key=key[:200]), False
    send(alert)
    return alert, True


def send(alert):
    """E-mail the alert to its biller's contacts (none configured: shown on the dashboard only)."""
    recipients = alert.biller.alert_emails if alert.biller else []
    if not recipients:
        return False
    body = f"{alert.subject}\n\n{alert.detail}\n\nFirst seen {alert.first_seen.isoformat()} (alert {alert.pk})."
    try:
        send_mail(f"[IC portal] {alert.subject}", body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception as exc:  # an SMTP failure must not stop the checks; retried at the next check
        logger.error("alert %s could not be e-mailed to %s: %s", alert.pk, ", ".join(recipients), exc)
        return False
    Alert.objects.filter(pk=alert.pk).update(emailed_to=", ".join(recipients), emailed_at=timezone.now())
    return True


def resend_unsent():
    for alert in Alert.objects.filter(emailed_at=None, acknowledged_at=None, biller__isnull=False).exclude(
            biller__alert_contacts="").select_related("biller"):
        send(alert)


def _local(instant, biller):
    return instant.astimezone(biller.zone).strftime("%Y-%m-%d %H:%M %Z")


def missing_files(now):
    raised = []
    for expected in ExpectedFile.objects.filter(enabled=True, biller__active=True).select_related(
            "biller", "file_format"):
        grace = datetime.timedelta(minutes=expected.grace_minutes)
        dues = list(expected.due_instants(now - grace))
        if not dues or dues[0] < expected.created_at:
            continue
        due = dues[0]
        since = dues[1] if len(dues) > 1 else due - datetime.timedelta(days=31)
        if Load.objects.filter(biller=expected.biller, file_format=expected.file_format, created_at__gt=since).exists():
            continue
        biller = expected.biller
        subject = (f"{biller.slug}: the {expected.file_format.code} file due {_local(due, biller)} has not arrived")
        detail = (f"No {expected.file_format.code} file of {biller.name} was received (uploaded or dropped in the "
                  f"inbox folder {biller.slug}/) since {_local(since, biller)}; it was due by {_local(due, biller)} "
                  f"({expected.get_cadence_display()}), {expected.grace_minutes} minutes of grace.")
        raised.append(raise_alert(AlertKind.MISSING_FILE, biller, f"missing_file:{expected.pk}:{due.isoformat()}",
                                  subject, detail))
    return raised


def failed_loads(now):
    raised = []
    since = now - datetime.timedelta(days=RECENT_DAYS)
    for load in Load.objects.filter(status__in=[LoadStatus.PARSE_FAILED, LoadStatus.LOAD_FAILED],
                                    updated_at__gte=since).select_related("biller", "file_format"):
        failures = LoadEvent.objects.filter(load=load, to_status=load.status).count()
        what = "parse" if load.status == LoadStatus.PARSE_FAILED else "load"
        kind = AlertKind.PARSE_FAILED if what == "parse" else AlertKind.LOAD_FAILED
        subject = f"{load.biller.slug}: {what} of load {load.pk} ({load.original_name}) failed"
        raised.append(raise_alert(kind, load.biller, f"{load.status}:{load.pk}:{failures}", subject,
                                  load.failure or ""))
    return raised


def waiting_loads(now):
    raised = []
    thresholds = {(e.biller_id, e.file_format_id): e.approval_wait_minutes
                  for e in ExpectedFile.objects.filter(enabled=True)}
    for load in Load.objects.filter(status=LoadStatus.PARSED).select_related("biller", "file_format"):
        minutes = thresholds.get((load.biller_id, load.file_format_id), settings.ALERT_APPROVAL_WAIT_MINUTES)
        if load.updated_at > now - datetime.timedelta(minutes=minutes):
            continue
        parses = LoadEvent.objects.filter(load=load, to_status=LoadStatus.PARSED).count()
        subject = (f"{load.biller.slug}: load {load.pk} ({load.original_name}) has waited for approval more than "
                   f"{minutes} minutes")
        detail = load.waiting_reason or "No auto-approval rule approved it; a person must approve or reject it."
        raised.append(raise_alert(AlertKind.WAITING_APPROVAL, load.biller, f"waiting_approval:{load.pk}:{parses}",
                                  subject, detail))
    return raised


def failed_runs(now):
    raised = []
    since = now - datetime.timedelta(days=RECENT_DAYS)
    for run in ExportRun.objects.filter(status=RunStatus.FAILED, created_at__gte=since).select_related(
            "biller", "file_format"):
        subject = f"{run.biller.slug}: export run {run.pk} ({run.file_format.code}, {run.business_date}) failed"
        raised.append(raise_alert(AlertKind.EXPORT_FAILED, run.biller, f"export_failed:{run.pk}", subject,
                                  run.failure))
    return raised


def missed_runs(now):
    """The daily outbound run (biller's export run time, in its zone) for the previous business day
    that has not run ALERT_EXPORT_GRACE_MINUTES later."""
    raised = []
    grace = datetime.timedelta(minutes=settings.ALERT_EXPORT_GRACE_MINUTES)
    for row in (BillerFileFormat.objects.filter(enabled=True, biller__active=True, file_format__direction="outbound",
                                                file_format__retired=False).select_related("biller", "file_format")):
        biller = row.biller
        local = now.astimezone(biller.zone)
        due = datetime.datetime.combine(local.date(), biller.export_run_time, tzinfo=biller.zone)
        if due + grace > now or due < row_since(row):
            continue
        business_date = local.date() - datetime.timedelta(days=1)
        if ExportRun.objects.filter(biller=biller, file_format=row.file_format, business_date=business_date).exists():
            continue
        subject = (f"{biller.slug}: the {row.file_format.code} run for {business_date} due "
                   f"{_local(due, biller)} has not run")
        raised.append(raise_alert(AlertKind.EXPORT_MISSED, biller,
                                  f"export_missed:{biller.pk}:{row.file_format_id}:{business_date}", subject,
                                  "Is a worker (manage.py qcluster) running? Run the outbound files from "
                                  "Export runs -> Run outbound files."))
    return raised


def row_since(row):
    """When the biller started using the format (its first history row), so that a new biller
    is not alerted for runs before it existed."""
    first = row.history.order_by("history_date").values_list("history_date", flat=True).first()
    return first or timezone.now()


CHECKS = (missing_files, failed_loads, waiting_loads, failed_runs, missed_runs)


def check(now=None):
    """Run every check; the alerts raised by this check (new ones only)."""
    now = now or timezone.now()
    new = []
    for condition in CHECKS:
        try:
            new += [alert for alert, created in condition(now) if created]
        except Exception:
            logger.exception("alert check %s failed", condition.__name__)
    resend_unsent()
    return new


def acknowledge(alert, user):
    """Mark the alert seen by `user` (checked: acknowledge_alert)."""
    from ingest.lifecycle import PermissionRefused

    if not user.has_perm("operations.acknowledge_alert"):
        raise PermissionRefused(f"{user.username} may not acknowledge alerts")
    return Alert.objects.filter(pk=alert.pk, acknowledged_at=None).update(acknowledged_by=user,
                                                                          acknowledged_at=timezone.now())
