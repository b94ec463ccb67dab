from exports.admin import runs  # noqa: F401  (registers the ModelAdmins)
