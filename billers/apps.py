from django.apps import AppConfig


class BillersConfig(AppConfig):
    name = "billers"
    verbose_name = "Billers"
