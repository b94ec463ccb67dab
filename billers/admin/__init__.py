from billers.admin import biller, operations, reference  # noqa: F401  (registers the admin classes)
