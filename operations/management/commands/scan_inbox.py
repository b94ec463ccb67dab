from django.core.management.base import BaseCommand

from icportal.commands import reports_unexpected_errors
from operations import inbox


class Command(BaseCommand):
    help = ("Scan the watched inbox (INBOX_ROOT/<biller slug>/) once: completely written files become loads "
            "(moved to processed/) or are rejected (moved to rejected/), each with a .note.txt.")

    def add_arguments(self, parser):
        parser.add_argument("--root", help="the inbox folder (default: INBOX_ROOT)")

    @reports_unexpected_errors("scan_inbox")
    def handle(self, *args, **options):
        for record in inbox.scan(options.get("root")):
            self.stdout.write(f"{record.biller.slug}/{record.name}: {record.outcome}: {record.note}")
