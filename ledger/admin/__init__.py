from ledger.admin import accounts, activity, customers  # noqa: F401  (registers the ModelAdmins)
