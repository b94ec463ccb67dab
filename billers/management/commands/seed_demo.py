from django.core.management.base import BaseCommand

from billers.demo import DEMO_BILLERS, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create the demo billers and one user per role (idempotent; password 'demo', demo only)."

    def handle(self, *args, **options):
        created = seed_demo()
        billers = ", ".join(spec["slug"] for spec in DEMO_BILLERS)
        users = ", ".join(name for name, _ in DEMO_USERS)
        self.stdout.write(f"Demo billers: {billers}. Users: {users} (password 'demo').")
        self.stdout.write(f"Created now: {', '.join(created) or 'nothing (already seeded)'}.")
