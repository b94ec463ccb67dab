import json

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

    def handle(self, *args, rows, codes, json: bool, **options):
        if rows < 1:
            raise CommandError("--rows must be at least 1")
        measurements = bench.run(rows, codes)
        if json:
            self.stdout.write(_json({"rows": rows, "measurements": [m.to_json() for m in measurements]}))
            return
        self.stdout.write(f"{'step':42} {'records':>9} {'seconds':>8} {'records/s':>10} {'peak RSS MB':>11}")
        for m in measurements:
            self.stdout.write(f"{m.step:42} {m.records:>9} {m.seconds:>8.2f} {m.per_second:>10.0f} {m.peak_rss_mb:>11.0f}")


def _json(value):
    return json.dumps(value)
