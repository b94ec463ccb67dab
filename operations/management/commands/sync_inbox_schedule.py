from django.core.management.base import BaseCommand

from icportal.commands import reports_unexpected_errors
from operations.schedule import sync_schedule


class Command(BaseCommand):
    help = "Create or update the schedule that scans the inbox and checks alerts every INBOX_SCAN_SECONDS."

    @reports_unexpected_errors("sync_inbox_schedule")
    def handle(self, *args, **options):
        schedule = sync_schedule()
        self.stdout.write(f"{schedule.name}: next run {schedule.next_run.isoformat()}" if schedule
                          else "INBOX_SCAN_SECONDS is 0: no schedule")
