from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Outbound files"

    def ready(self):
        from exports import signals  # here, not above: it imports models, not loaded before ready()

        signals.connect()
