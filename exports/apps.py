from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Outbound files"

    def ready(self):
        # here, not above: they import models, not loaded before ready()
        from billers import catalog
        from exports import signals
        from exports.catalog import declarations

        signals.connect()
        catalog.connect(self, "outbound", declarations)
