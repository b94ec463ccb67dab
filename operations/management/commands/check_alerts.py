from django.core.management.base import BaseCommand

from icportal.commands import reports_unexpected_errors
from operations import alerts


class Command(BaseCommand):
    help = ("Check for missing expected files, failed parses and loads, loads waiting for approval, failed or "
            "missed export runs; raise (and e-mail) each new alert once.")

    @reports_unexpected_errors("check_alerts")
    def handle(self, *args, **options):
        for alert in alerts.check():
            self.stdout.write(f"{alert.get_kind_display()}: {alert.subject}")
