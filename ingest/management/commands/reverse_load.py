"""`manage.py reverse_load LOAD --user USERNAME [--reason TEXT] [--cancel]`: the admin's Reverse button from
the command line, through the same pipeline function and rule (`ingest.actions.decide`).

On a loaded load it requests the reversal (the reason is required); where the biller requires
four eyes the request waits, and another user confirms it by running the command again on
the same load (no reason needed), or withdraws / declines it with --cancel. A confirmed reversal runs here, inline, in one transaction.
The last line of stdout is one JSON object {"load": id, "status": ...}.
Exit codes (icportal.commands): 0 reversed, or requested and waiting for the second person;
2 refused (one line on stderr: unknown load or user, permission, four eyes, status, no reason,
accounts changed since the load); 1 the reversal failed (retryable; logged, no traceback).
"""
import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from icportal.commands import FAILED, reports_unexpected_errors
from ingest import pipeline
from ingest.lifecycle import Refused
from ingest.models import Load, LoadStatus

REFUSED = 2


class Command(BaseCommand):
    help = "Reverse a loaded load (request, or confirm as the second person), as the admin's Reverse button."

    def add_arguments(self, parser):
        parser.add_argument("load", type=int, metavar="LOAD", help="the load's number")
        parser.add_argument("--user", required=True, metavar="USERNAME", help="whose permission and four eyes apply")
        parser.add_argument("--reason", default="", help="why (required to request a reversal)")
        parser.add_argument("--cancel", action="store_true",
                            help="withdraw or decline a requested reversal instead (the load stays loaded)")

    @reports_unexpected_errors("reverse_load")
    def handle(self, *args, **options):
        load = Load.objects.select_related("biller").filter(pk=options["load"]).first()
        if load is None:
            return self.stop(f"no load {options['load']}")
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            return self.stop(f"unknown or inactive user {options['user']!r}")
        try:
            if options["cancel"]:
                load = pipeline.cancel_reversal(load, user)
                self.stdout.write(f"reversal of load {load.pk} cancelled; it stays loaded")
                return self.report(load)
            load = pipeline.reverse(load, user, options["reason"])
        except Refused as exc:
            return self.stop(str(exc), load)
        if load.status == LoadStatus.REVERSAL_REQUESTED:
            self.stdout.write(f"reversal of load {load.pk} requested; {load.biller.slug} requires four eyes: "
                              "another user confirms it with the same command")
            return self.report(load)
        load = pipeline.run_reversal(load.pk, user.pk)
        load.refresh_from_db()
        if load.status == LoadStatus.REVERSED:
            self.stdout.write(load.events.order_by("-at", "-pk").first().note)
            return self.report(load)
        code = REFUSED if load.failure.startswith("reversal refused") else FAILED
        return self.stop(load.failure, load, code)

    def report(self, load):
        self.stdout.write(json.dumps({"load": load.pk, "status": load.status}))

    def stop(self, message, load=None, code=REFUSED):
        self.stderr.write(message)
        if load is not None:
            load.refresh_from_db()
            self.report(load)
        raise SystemExit(code)
