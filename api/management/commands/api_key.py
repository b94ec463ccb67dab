"""`manage.py api_key --biller SLUG [--name TEXT] [--revoke ID]`: create (printed once) or revoke a key."""
import sys

from django.core.management.base import BaseCommand

from api.keys import create_key, revoke_key
from api.models import ApiKey
from billers.models import Biller


class Command(BaseCommand):
    help = "Create a partner API key for a biller and print it once (only a hash is stored), or revoke one."

    def add_arguments(self, parser):
        parser.add_argument("--biller", required=True, help="the biller's slug")
        parser.add_argument("--name", default="", help="who uses the key")
        parser.add_argument("--revoke", type=int, metavar="ID", help="revoke the key with this id instead")

    def handle(self, *args, biller, name, revoke, **options):
        target = Biller.objects.filter(slug=biller).first()
        if target is None:
            return self.fail(f"unknown biller {biller!r}")
        if revoke is not None:
            key = ApiKey.objects.filter(biller=target, pk=revoke).first()
            if key is None:
                return self.fail(f"biller {biller} has no API key {revoke}")
            revoke_key(key)
            self.stdout.write(f"revoked API key {key.pk} ({key.prefix}…) of {biller}")
            return
        row, key = create_key(target, name)
        self.stderr.write(f"API key {row.pk} for {biller}; shown once, only its hash is stored:")
        self.stdout.write(key)

    def fail(self, message):
        self.stderr.write(f"api_key: {message}")
        sys.exit(2)
