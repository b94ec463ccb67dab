import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingest import bench

# The figures in the order of the table (the peak RSS figures are absent where /proc cannot measure them).
LABELS = {
    "floor_csv_rps": "floor: csv.reader + Decimal (WaterSmart)",
    "floor_blocks_rps": "floor: <account> blocks split (Incode)",
    "dje_rps": "django-import-export, dry run + confirm",
    "bulk_floor_rps": "csv.reader + bulk_create(update_conflicts)",
    "e2e_new_rps": "end to end, new invoices",
    "e2e_update_rps": "end to end, updated invoices",
    "load_new_rps": "load step alone, new invoices",
    "speedup_vs_dje": "e2e_new_rps / dje_rps",
    "e2e_vs_floor": "e2e_new_rps / bulk_floor_rps",
    "peak_rss_mb": "peak RSS MB, pipeline at N",
    "peak_rss_mb_tenth": "peak RSS MB, pipeline at N/10",
    "preview_ms": "preview page ms, at N",
    "preview_ms_tenth": "preview page ms, at N/10",
    "export_payments_rps": "watersmart.payments export run",
    "activity_import_rps": "payments activity import",
    "activity_peak_rss_mb": "peak RSS MB, payments activity import",
}


class Command(BaseCommand):
    help = ("Performance benchmark on the configured database (issue 11's figures): parse rates per "
            "format against their floors, django-import-export and a hand bulk upsert of the same rows, "
            "the pipeline end to end, the load preview page, the payments activity import and a payments export "
            "run. Everything it creates is removed afterwards.")

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000, help="records per generated file (default 100000)")
        parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
        parser.add_argument("--hostile", action="store_true",
                            help="also parse one Incode block of N unclosed <Usage> elements (linear, bounded): "
                                 "adds hostile_block_seconds")
        parser.add_argument("--downloads", action="store_true",
                            help="also read an error report of N error records and an IC standard file of N "
                                 "records through the admin's download view: adds error_report_seconds and "
                                 "ic_file_seconds")

    def handle(self, *args, rows, json: bool, hostile: bool, downloads: bool, **options):
        if rows < 1:
            raise CommandError("--rows must be at least 1")

        if settings.DEBUG:
            self.stderr.write("note: DEBUG is on, so Django keeps the text of recent queries: the memory "
                              "figures of the pipeline are inflated (run with DEBUG=0 for real ones)")
        progress = (lambda step: None) if json else self._progress
        try:
            report = bench.run(rows, progress)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        if hostile:
            report["hostile_block_seconds"] = round(bench.run_hostile(rows)[0].seconds, 3)
        if downloads:
            errors, ic_file = bench.run_downloads(rows)
            report.update(error_report_seconds=round(errors.seconds, 2), ic_file_seconds=round(ic_file.seconds, 2))
        if json:
            self.stdout.write(_json(report))
            return
        if self.stderr.isatty():
            self.stderr.write("")
        self._table(report)

    def _progress(self, step):
        done = bench.STEPS.index(step)
        bar = "#" * done + "." * (len(bench.STEPS) - done)
        self.stderr.write(f"[{bar}] {done + 1}/{len(bench.STEPS)} {step}...", ending="\r" if self.stderr.isatty() else "\n")
        self.stderr.flush()

    def _table(self, report):
        out = self.stdout
        out.write(f"bench: {report['rows']} rows on {report['database']}")
        out.write(f"{'figure':44} {'value':>12}")
        floors = {"watersmart.invoice": report["floor_csv_rps"], "incode.invoice.skip_landlord": report["floor_blocks_rps"]}
        for code, rate in report["parse_rps"].items():
            ratio = f"  ({rate / floors[code]:.2f} x floor)" if code in floors else ""
            out.write(f"{'parse ' + code + ' (records/s)':44} {rate:>12}{ratio}")
        for key, label in LABELS.items():
            if key in report:
                out.write(f"{label:44} {report[key]:>12}")
        if "hostile_block_seconds" in report:
            out.write(f"{'one block of N unclosed <Usage> (s)':44} {report['hostile_block_seconds']:>12}")
        for key, label in (("error_report_seconds", "download: error report of N errors (s)"),
                           ("ic_file_seconds", "download: IC standard file of N records (s)")):
            if key in report:
                out.write(f"{label:44} {report[key]:>12}")


def _json(value):
    return json.dumps(value)
