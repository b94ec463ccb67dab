"""manage.py parse_file FILE --format CODE [--biller SLUG] [--json | --ic]

Parses a partner file without touching the database (except reading the biller's settings)
and prints the normalized JSON of FORMATS.md 6 (default) or IC's standard import file.
Exit status: 0 when the file was readable (record errors included), 2 when it is refused
(one line on stderr), 1 on an unexpected failure (one line on stderr, never a traceback).
"""
import json
import logging
import tempfile

from django.core.management.base import BaseCommand, CommandError

from billers.models import Biller
from ingest.config import build_parse_config
from ingest.formats import FORMATS, FileRefused, ParseConfig, parse, write_ic
from icportal.commands import FAILED, reports_unexpected_errors
from ingest.formats.output import write_json

REFUSED = 2
logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Parse a partner file (no load) and print its normalized JSON or IC standard file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the partner file")
        parser.add_argument("--format", required=True, dest="code", help=", ".join(FORMATS))
        parser.add_argument("--biller", help="slug of the biller whose settings apply")
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--json", dest="output", action="store_const", const="json",
                            help="FORMATS.md 6 JSON (the default)")
        output.add_argument("--ic", dest="output", action="store_const", const="ic",
                            help="IC's standard import file, ok records only")

    @reports_unexpected_errors("parse_file")
    def handle(self, *args, file, code, biller=None, output=None, **options):
        if code not in FORMATS:
            raise CommandError(f"unknown format '{code}' (known: {', '.join(FORMATS)})", returncode=REFUSED)
        try:
            config = parse_config(biller, code)
            result = parse(code, lambda: open(file, "rb"), config)
            if output == "ic":
                self.write_ic(result)
            else:
                write_json(result, _Unwrapped(self.stdout), biller)
        except CommandError:
            raise
        except FileRefused as exc:
            raise CommandError(f"{file}: refused: {exc}", returncode=REFUSED)
        except OSError as exc:
            raise CommandError(f"{file}: cannot read: {exc.strerror or exc}", returncode=REFUSED)
        except Exception as exc:  # no traceback for the user; the message says what failed
            logger.exception("manage.py parse_file %s failed", file)
            raise CommandError(f"{file}: parse failed: {exc.__class__.__name__}: {exc}", returncode=FAILED)

    def write_ic(self, result):
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            for record in result.records():
                if record.status == "ok":
                    spool.write(json.dumps(record.to_json()) + "\n")
            spool.seek(0)
            for line in write_ic(result.header, map(json.loads, spool)):
                self.stdout.write(line, ending="")
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")


class _Unwrapped:
    """The command's stdout without OutputWrapper's line ending added to every write."""

    def __init__(self, out):
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")


def parse_config(slug: str | None, code: str) -> ParseConfig:
    """The biller's configuration for the format (ParseConfig defaults without a biller)."""
    if not slug:
        return ParseConfig()

    biller = Biller.objects.filter(slug=slug).first()
    if biller is None:
        raise CommandError(f"unknown biller '{slug}'", returncode=REFUSED)
    return build_parse_config(biller, code)
