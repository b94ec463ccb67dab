from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Inbound files"

    def ready(self):
        from billers import catalog
        from icportal.workers import connect_signals
        from ingest.catalog import declarations, field_mapping

        connect_signals(self)
        catalog.connect(self, "inbound", declarations, field_mapping)
