from functools import partial

from django.db import migrations

from icportal.roles import AUDITOR, IMPLEMENTATION_MANAGER, SUPPORT, crud, grant

MODELS = ["exportrun", "exportfile"]
VIEW = [p for m in MODELS for p in crud("exports", m, "view")]  # view + download

# Support runs outbound files (the activity they are made of is the ledger's: ledger/migrations).
GRANTS = {
    IMPLEMENTATION_MANAGER: VIEW,
    AUDITOR: VIEW,
    SUPPORT: VIEW + ["exports.run_export"],
}


class Migration(migrations.Migration):
    dependencies = [("exports", "0001_initial"), ("billers", "0003_roles")]
    operations = [migrations.RunPython(partial(grant, grants=GRANTS), migrations.RunPython.noop)]
