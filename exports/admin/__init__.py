from exports.admin import activity, runs  # noqa: F401  (registers the ModelAdmins)
