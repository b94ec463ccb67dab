from functools import partial

from django.db import migrations

from icportal.roles import AUDITOR, IMPLEMENTATION_MANAGER, SUPPORT, crud, grant

MODELS = ["payment", "achreject", "accountchange", "exportrun", "exportfile"]
VIEW = [p for m in MODELS for p in crud("exports", m, "view")]  # view + download

GRANTS = {
    IMPLEMENTATION_MANAGER: VIEW,
    AUDITOR: VIEW,
    # Support runs outbound files, enters offline payments (admin form, activity import) and voids payments.
    SUPPORT: VIEW + ["exports.run_export", "exports.void_payment"]
    + crud("exports", "payment", "add") + crud("exports", "achreject", "add")
    + crud("exports", "accountchange", "add"),
}


class Migration(migrations.Migration):
    dependencies = [("exports", "0001_initial"), ("billers", "0004_roles")]
    operations = [migrations.RunPython(partial(grant, grants=GRANTS), migrations.RunPython.noop)]
