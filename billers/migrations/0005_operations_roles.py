"""Auto-approval rules and expected files are configuration: implementation managers keep
them, every role reads them."""
from functools import partial

from django.db import migrations

from icportal.roles import AUDITOR, IMPLEMENTATION_MANAGER, SUPPORT, crud, grant

MODELS = ["autoapprovalrule", "expectedfile"]
VIEW = [p for m in MODELS for p in crud("billers", m, "view")]

GRANTS = {
    IMPLEMENTATION_MANAGER: VIEW + [p for m in MODELS for p in crud("billers", m, "add", "change", "delete")],
    SUPPORT: VIEW,
    AUDITOR: VIEW,
}


class Migration(migrations.Migration):
    dependencies = [("billers", "0004_operations_configuration")]
    operations = [migrations.RunPython(partial(grant, grants=GRANTS), migrations.RunPython.noop)]
