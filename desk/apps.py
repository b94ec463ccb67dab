from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The support desk: the admin home's work queue and each biller's hub (no models)."""
    name = "desk"
    verbose_name = "Support desk"
