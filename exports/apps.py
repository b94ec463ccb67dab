from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Outbound files"

    def ready(self):
        from exports import signals

        signals.connect()
