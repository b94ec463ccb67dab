import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from billers.models import Biller
from icportal.commands import reports_unexpected_errors
from exports.activity import KINDS, FileRefused, import_activity


class Command(BaseCommand):
    help = ("Import payments, ACH rejects or account changes from the CSV of FORMATS.md section 8. "
            "Prints one JSON object; exit 0 when the file was read (row errors included), 2 when refused, "
            "1 on an unexpected failure (logged).")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file")
        parser.add_argument("--biller", required=True, help="biller slug")

    @reports_unexpected_errors("import_activity")
    def handle(self, *args, **options):
        try:
            biller = Biller.objects.get(slug=options["biller"])
        except Biller.DoesNotExist:
            return self.refuse(f"unknown biller {options['biller']!r}")
        try:
            data = Path(options["file"]).open("rb")  # streamed by the import, never read whole
        except OSError as exc:
            return self.refuse(f"cannot read {options['file']}: {exc.strerror or exc}")
        try:
            with data:
                result = import_activity(options["kind"], biller, data, keep_objects=False)
        except FileRefused as exc:
            return self.refuse(f"{options['file']}: {exc}")
        except OSError as exc:
            return self.refuse(f"cannot read {options['file']}: {exc.strerror or exc}")
        self.stdout.write(json.dumps(result.to_json()))

    def refuse(self, message):
        self.stderr.write(f"import_activity: {message}")
        sys.exit(2)
