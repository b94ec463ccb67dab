"""The admin home as a work queue (issue 12): what waits for a person, what runs, what failed,
today's outbound runs and the missing scheduled ones, the last load of each biller.

Plain read-only queries over a bounded number of rows; `dashboard(user)` gives one role's
view (auditors read the same queues without actions; implementation managers also see the
configuration changes of the last days).
"""
import datetime

from django.utils import timezone

from billers.history import configuration_changes as changes_of
from billers.models import Biller, BillerFileFormat
from exports.models import ExportRun, RunStatus
from ingest import pipeline
from ingest.admin.preview import badge, estimate_progress
from ingest.models import Load, LoadStatus
from operations.models import Alert

ROWS = 20
CHANGE_DAYS = 7
RUNNING = (LoadStatus.UPLOADED, LoadStatus.PARSING, LoadStatus.APPROVED, LoadStatus.LOADING,
           LoadStatus.REVERSAL_CONFIRMED, LoadStatus.REVERSING)
WAITING = {LoadStatus.PARSED: "approval", LoadStatus.REVERSAL_REQUESTED: "a second person to confirm its reversal"}
FAILED = (LoadStatus.PARSE_FAILED, LoadStatus.LOAD_FAILED)


def _loads(*statuses, related=()):
    return (Load.objects.filter(status__in=statuses).select_related("biller", "file_format", *related)
            .order_by("updated_at")[:ROWS])


def waiting_loads(now):
    """Loads waiting for a person, oldest first, with their age and what they wait for:
    parsed loads (approval or rejection) and, under four eyes, requested reversals (another
    person confirms or declines them)."""
    return [{"load": load, "age": now - load.updated_at, "empty": load.status == LoadStatus.PARSED and not load.ok_count,
             "for": WAITING[load.status], "why": load.waiting_reason if load.status == LoadStatus.PARSED
             else f"requested by {load.reversal_requested_by or '-'}: {load.reversal_reason}"}
            for load in _loads(*WAITING, related=["reversal_requested_by"])]


def running_loads(now):
    """Loads being parsed or loaded, with their progress; a stuck one is listed as failed."""
    return [{"load": load, "progress": estimate_progress(load, now)}
            for load in _loads(*RUNNING) if not pipeline.stuck(load, now)]


def failed_loads(now, days=7):
    """Failed loads of the last days that nobody retried yet, and loads whose task died."""
    since = now - datetime.timedelta(days=days)
    failed = [{"load": load, "why": load.failure} for load in _loads(*FAILED) if load.updated_at >= since]
    stuck = [{"load": load, "why": "its task did not finish within the task timeout"}
             for load in _loads(*RUNNING) if pipeline.stuck(load, now)]
    return stuck + failed


def todays_runs(now):
    """Export runs created since midnight (the portal's zone), newest first."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return list(ExportRun.objects.filter(created_at__gte=midnight).select_related("biller", "file_format")[:ROWS])


def failed_runs(now, days=7):
    """Failed runs of the last days whose format and business date never succeeded since."""
    since = now - datetime.timedelta(days=days)
    failed = ExportRun.objects.filter(status=RunStatus.FAILED, created_at__gte=since).select_related(
        "biller", "file_format")
    done = set(ExportRun.objects.filter(status=RunStatus.SUCCEEDED, created_at__gte=since)
               .values_list("biller_id", "file_format_id", "business_date"))
    return [run for run in failed if (run.biller_id, run.file_format_id, run.business_date) not in done][:ROWS]


def missing_runs(now):
    """(biller, format, business date) whose daily run time has passed today (in the biller's
    zone) without a run for the previous business day."""
    formats = (BillerFileFormat.objects.filter(enabled=True, biller__active=True, file_format__direction="outbound")
               .select_related("biller", "file_format"))
    missing = []
    for row in formats:
        local = now.astimezone(row.biller.zone)
        if local.time() < row.biller.export_run_time:
            continue
        business_date = local.date() - datetime.timedelta(days=1)
        if not ExportRun.objects.filter(biller=row.biller, file_format=row.file_format,
                                        business_date=business_date).exists():
            missing.append({"biller": row.biller, "format": row.file_format, "business_date": business_date,
                            "due": datetime.datetime.combine(local.date(), row.biller.export_run_time,
                                                             tzinfo=row.biller.zone)})
    return missing


def last_load_per_biller():
    """Each active biller with its latest load (one query per biller: billers are few)."""
    rows = []
    for biller in Biller.objects.filter(active=True).order_by("name"):
        load = Load.objects.filter(biller=biller).select_related("file_format").order_by("-created_at").first()
        rows.append({"biller": biller, "load": load, "badge": badge(load.status) if load else ""})
    return rows


def configuration_changes(now, days=CHANGE_DAYS):
    """Every biller's configuration changes of the last days, newest first."""
    since = now - datetime.timedelta(days=days)
    entries = []
    for biller in Biller.objects.order_by("name"):
        entries += [{**entry, "biller": biller} for entry in changes_of(biller, limit=ROWS) if entry["when"] >= since]
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:ROWS]


def open_alerts():
    """Alerts nobody acknowledged yet, newest first (operations.alerts raises them)."""
    return list(Alert.objects.filter(acknowledged_at=None).select_related("biller")[:ROWS])


def dashboard(user, now=None):
    """The admin home's panels for this user."""
    now = now or timezone.now()
    may = user.has_perm
    panels = {
        "now": now,
        "can_upload": may("ingest.add_load"),
        "can_approve": may("ingest.approve_load"),
        "can_run": may("exports.run_export"),
        "read_only": not (may("ingest.add_load") or may("ingest.approve_load") or may("exports.run_export")),
    }
    if may("ingest.view_load"):
        panels.update(waiting=waiting_loads(now), running=running_loads(now), failed=failed_loads(now),
                      last_loads=last_load_per_biller())
    if may("exports.view_exportrun"):
        panels.update(runs_today=todays_runs(now), failed_runs=failed_runs(now), missing_runs=missing_runs(now))
    if may("operations.view_alert"):
        panels.update(alerts=open_alerts(), can_acknowledge=may("operations.acknowledge_alert"))
    if may("billers.change_biller"):
        panels.update(changes=configuration_changes(now), change_days=CHANGE_DAYS)
    return panels
