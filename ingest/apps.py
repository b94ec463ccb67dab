from django.apps import AppConfig

from icportal.workers import connect_signals


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Inbound files"

    def ready(self):
        # here, not above: they import models, not loaded before ready()
        from billers import catalog
        from ingest.catalog import declarations, field_mapping

        connect_signals(self)
        catalog.connect(self, "inbound", declarations, field_mapping)
