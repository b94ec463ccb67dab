"""Export runs started from the admin ("Run outbound files") run as django-q2 tasks, never in
the web request: the view queues the run (status queued) and the run's page shows it queued,
then running, then its files or its failure.

A worker that dies in the middle leaves the run `running` with nothing carried (the run is one
transaction); a run of the same format and date can be started again.
"""
import logging

from django.utils import timezone
from django_q.tasks import async_task

from billers.format_options import validate_options
from exports.models import ExportRun, RunStatus, Trigger
from exports.runs import ExportFailed, ExportRefused, outbound_format, run_export
from icportal.workers import KEY_MISMATCH, waiting_problem

logger = logging.getLogger(__name__)


def queue_run(biller, code, business_date, user):
    """Record the run as queued and queue its task; raises ExportRefused like run_export."""
    _, enabled = outbound_format(biller, code)
    run = ExportRun.objects.create(biller=biller, file_format=enabled.file_format, business_date=business_date,
                                   options=validate_options(code, enabled.options), trigger=Trigger.ADMIN,
                                   triggered_by=user, created_at=timezone.now(), status=RunStatus.QUEUED)
    async_task("exports.queued.perform_run", run.pk, task_name=f"export run {run.pk}", group="exports")
    run.refresh_from_db()
    return run


def perform_run(run_id):
    """The task: carry out a queued run (once: a run no longer queued is left alone)."""
    if not ExportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(status=RunStatus.RUNNING):
        logger.info("export run %s is not queued; not run again", run_id)
        return None
    run = ExportRun.objects.select_related("biller", "file_format", "triggered_by").get(pk=run_id)
    try:
        run = run_export(run.biller, run.code, run.business_date, triggered_by=run.triggered_by, trigger=run.trigger,
                         queued=run)
    except (ExportFailed, ExportRefused) as exc:
        if isinstance(exc, ExportRefused):  # the format was disabled while the run waited
            ExportRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, failure=str(exc))
        return str(exc)
    return f"run {run.pk}: {run.record_count} records"


def run_problem(run):
    """What the run's page says about a queued run nobody runs ("" when nothing is wrong); a
    run refused by a worker with another key is failed, naming the cause."""
    if run.status != RunStatus.QUEUED:
        return ""
    problem = waiting_problem(run.created_at)
    if problem == KEY_MISMATCH:
        ExportRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(status=RunStatus.FAILED, failure=problem)
        run.refresh_from_db()
    return problem
