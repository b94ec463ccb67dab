import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingest import bench


class Command(BaseCommand):
    help = ("Performance benchmark: generate partner files of N records, parse them and report "
            "records per second and peak memory.")

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000, help="records per generated file (default 100000)")
        parser.add_argument("--format", action="append", dest="codes", choices=sorted(bench.GENERATORS),
                            help="only this format (repeatable)")
        parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
        parser.add_argument("--hostile", action="store_true",
                            help="also parse one Incode block of N unclosed <Usage> elements (linear, bounded)")
        parser.add_argument("--pipeline", action="store_true",
                            help="also upload, stage and load on the configured database (a temporary biller, "
                                 "removed afterwards): a file of new invoices, then one updating them all")

    def handle(self, *args, rows, codes, json: bool, pipeline: bool, hostile: bool, **options):
        if rows < 1:
            raise CommandError("--rows must be at least 1")

        if settings.DEBUG and pipeline:
            self.stderr.write("note: DEBUG is on, so Django keeps the text of recent queries: the memory "
                              "figures of the pipeline steps are inflated (run with DEBUG=0 for real ones)")
        measurements = bench.run(rows, codes)
        if hostile:
            measurements += bench.run_hostile(rows)
        if pipeline:
            try:
                measurements += bench.bench_pipeline(rows)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from None
        if json:
            self.stdout.write(_json({"rows": rows, "measurements": [m.to_json() for m in measurements]}))
            return
        self.stdout.write(f"{'step':46} {'records':>9} {'seconds':>8} {'records/s':>10} {'peak RSS MB':>11}")
        for m in measurements:
            self.stdout.write(f"{m.step:46} {m.records:>9} {m.seconds:>8.2f} {m.per_second:>10.0f} {m.peak_rss_mb:>11.0f}")


def _json(value):
    return json.dumps(value)
