from django.apps import AppConfig

from icportal.workers import connect_signals


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Inbound files"

    def ready(self):
        connect_signals(self)
