from django.core.management.base import BaseCommand

from exports.schedule import sync_all


class Command(BaseCommand):
    help = "Create or update the daily outbound-files schedule of every biller (in the biller's time zone)."

    def handle(self, *args, **options):
        for schedule in sync_all():
            if schedule is not None:
                self.stdout.write(f"{schedule.name}: next run {schedule.next_run.isoformat()}")
