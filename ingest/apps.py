from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Inbound files"

    def ready(self):
        from icportal.workers import connect_signals

        connect_signals(self)
