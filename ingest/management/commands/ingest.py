"""`manage.py ingest FILE --biller SLUG --format CODE [--user USERNAME] [--approve [--allow-errors]]
[--allow-duplicate]`: the admin upload's pipeline from the command line (DESIGN.md).

The last line of stdout is one JSON object {"load": id, "status": ..., "summary": {...}}.
Exit codes: 0 the command did what was asked; 2 a refusal (one line on stderr: unknown
biller, format or user, permission, four-eyes, file refused, error records without
--allow-errors, duplicate without --allow-duplicate); 1 the parse or the load failed, or an
unexpected error (retryable; logged, no traceback).

When the biller's auto-approval rule approves the load during the parse (issue 15), --approve
adds no approval of its own: the command loads it (or waits for the worker that took its
queued load) and the load shows the rule as its approver.
"""
import json
import logging
import os
import time

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand

from billers.models import Biller
from icportal.commands import reports_unexpected_errors
from ingest import pipeline
from ingest.actions import LoadAction, decide
from ingest.lifecycle import Refused
from ingest.models import LoadStatus

REFUSED, FAILED = 2, 1
POLL, WAIT_FOR_WORKER = 1.0, 3600.0   # seconds: a worker's load of a big file takes minutes
logger = logging.getLogger(__name__)


class Stop(Exception):
    def __init__(self, message, code=REFUSED):
        super().__init__(message)
        self.code = code


class Command(BaseCommand):
    help = "Upload, parse and optionally approve and load a partner file (the admin's pipeline)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--biller", required=True, metavar="SLUG")
        parser.add_argument("--format", required=True, metavar="CODE", dest="code")
        parser.add_argument("--user", metavar="USERNAME", help="whose permissions apply (needed by --approve)")
        parser.add_argument("--approve", action="store_true", help="approve and load when there are no error records")
        parser.add_argument("--allow-errors", action="store_true", help="with --approve: load the ok records")
        parser.add_argument("--allow-duplicate", action="store_true", help="load a file that was already loaded")

    @reports_unexpected_errors("ingest")
    def handle(self, *args, **options):
        load = None
        try:
            load = self.run(options)
            code = 0
        except Stop as stop:
            load = getattr(stop, "load", None)
            self.stderr.write(str(stop))
            code = stop.code
        except Refused as exc:
            self.stderr.write(str(exc))
            code = REFUSED
        except Exception:
            logger.exception("manage.py ingest failed")
            self.stderr.write("ingest stopped on an internal error (details in the log)")
            code = FAILED
        if load is not None:
            load.refresh_from_db()
            summary = dict(load.summary or {})
            if load.plan:
                summary["changes"] = load.plan
            if load.failure:
                summary["failure"] = load.failure
            self.stdout.write(json.dumps({"load": load.pk, "status": load.status, "summary": summary}))
        if code:
            raise SystemExit(code)

    def run(self, options):
        if options["allow_errors"] and not options["approve"]:
            raise Stop("--allow-errors needs --approve")
        if options["approve"] and not options["user"]:
            raise Stop("--approve needs --user USERNAME (whose approval it is)")
        biller = Biller.objects.filter(slug=options["biller"]).first()
        if biller is None:
            raise Stop(f"unknown biller {options['biller']!r}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise Stop(f"unknown or inactive user {options['user']!r}")
        path = options["file"]
        if not os.path.isfile(path):
            raise Stop(f"cannot read {path}: no such file")
        with open(path, "rb") as handle:
            load = pipeline.upload(biller, options["code"], File(handle, name=os.path.basename(path)), user,
                                   allow_duplicate=options["allow_duplicate"])
        try:
            return self.parse_and_load(load, user, options)
        except (Stop, Refused) as exc:
            stop = exc if isinstance(exc, Stop) else Stop(str(exc))
            stop.load = load
            raise stop from None

    def parse_and_load(self, load, user, options):
        load = pipeline.parse_load(load.pk, getattr(user, "pk", None))
        load.refresh_from_db()
        if pipeline.refused(load):
            raise Stop(f"file refused: {load.failure}")
        if load.status == LoadStatus.PARSE_FAILED:
            raise Stop(f"parse failed: {load.failure}", code=FAILED)
        if not options["approve"]:
            return load
        if approved_by_rule(load):
            # the biller's auto-approval rule approved it during the parse and queued its load:
            # --approve has nothing to add; the command loads it (or sees the worker do it)
            return self.finish_load(load, user)
        decision = decide(user, load, LoadAction.APPROVE, acknowledge_errors=options["allow_errors"],
                          allow_duplicate=options["allow_duplicate"])
        if not decision and decide(user, load, LoadAction.APPROVE, acknowledge_errors=True,
                                   allow_duplicate=options["allow_duplicate"]):
            # refused only for the acknowledgement: say it with the command's own flag
            raise Stop(f"{load.error_count} error records: not loaded (--allow-errors loads the "
                       f"{load.ok_count} ok records and leaves the errors)")
        decision.enforce()
        pipeline.approve(load, user, acknowledge_errors=options["allow_errors"],
                         allow_duplicate=options["allow_duplicate"], note="manage.py ingest --approve")
        return self.finish_load(load, user)

    def finish_load(self, load, user):
        """Run the approved load's load here; when a worker took its queued task first, wait
        for that worker to end it (one of the two runs it: run_load starts only once)."""
        load = pipeline.run_load(load.pk, user.pk)
        load.refresh_from_db()
        waited = 0.0
        while load.status in (LoadStatus.APPROVED, LoadStatus.LOADING) and waited < WAIT_FOR_WORKER:
            time.sleep(POLL)
            waited += POLL
            load.refresh_from_db()
        if load.status != LoadStatus.LOADED:
            raise Stop(f"load failed: {load.failure or f'still {load.status} after {WAIT_FOR_WORKER:.0f} s'}",
                       code=FAILED)
        return load


def approved_by_rule(load):
    """The load was approved by the system (its biller's auto-approval rule), not a person."""
    return load.approved_by_id is None and load.approved_at is not None and load.status in (
        LoadStatus.APPROVED, LoadStatus.LOADING, LoadStatus.LOADED)
