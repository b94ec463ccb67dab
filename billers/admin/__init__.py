from billers.admin import biller, reference  # noqa: F401  (registers the admin classes)
