from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations: inbox and alerts"

    def ready(self):
        # here, not above: they import models, not loaded before ready()
        from operations import schedule

        schedule.connect(self)
