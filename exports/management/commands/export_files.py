import datetime
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from billers.models import Biller
from icportal.commands import reports_unexpected_errors
from exports.runs import ExportFailed, ExportRefused, enabled_outbound, run_export, save_copy
from exports.writers import WRITERS


class Command(BaseCommand):
    help = ("Run every outbound format enabled for the biller (or one) for a business date, write the "
            "files into DIR and print their names.")

    def add_arguments(self, parser):
        parser.add_argument("--biller", required=True, help="biller slug")
        parser.add_argument("--format", dest="code", help="one outbound format code")
        parser.add_argument("--date", required=True, help="business date, YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="directory for the files")

    @reports_unexpected_errors("export_files")
    def handle(self, *args, **options):
        try:
            biller = Biller.objects.get(slug=options["biller"])
        except Biller.DoesNotExist:
            return self.fail(f"unknown biller {options['biller']!r}")
        try:
            business_date = datetime.date.fromisoformat(options["date"])
        except ValueError:
            return self.fail(f"--date {options['date']!r} is not a date (YYYY-MM-DD)")
        code = options["code"]
        if code is not None and code not in WRITERS:
            return self.fail(f"unknown outbound format {code!r} (one of: {', '.join(sorted(WRITERS))})")
        codes = [row.file_format.code for row in enabled_outbound(biller, code)]
        if not codes:
            what = f"{code} is not" if code else "no outbound format is"
            return self.fail(f"{what} enabled for biller {biller.slug}")
        out = Path(options["out"])
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self.fail(f"cannot create {out}: {exc.strerror or exc}")
        failed = False
        for each in codes:
            try:
                run = run_export(biller, each, business_date)
            except (ExportRefused, ExportFailed) as exc:
                self.stderr.write(f"export_files: {exc}")
                failed = True
                continue
            for export_file in run.files.order_by("id"):
                try:
                    self.stdout.write(save_copy(export_file, out))
                except OSError as exc:
                    self.stderr.write(f"export_files: cannot write {export_file.name} into {out}: "
                                      f"{exc.strerror or exc}; it is stored with export run {run.pk} "
                                      "(Export runs in the admin)")
                    failed = True
        if failed:
            sys.exit(1)

    def fail(self, message):
        self.stderr.write(f"export_files: {message}")
        sys.exit(2)
