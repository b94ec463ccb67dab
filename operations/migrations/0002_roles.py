"""Everyone reads the inbox files and alerts; support and implementation managers acknowledge alerts."""
from functools import partial

from django.db import migrations

from icportal.roles import AUDITOR, IMPLEMENTATION_MANAGER, SUPPORT, crud, grant

VIEW = crud("operations", "inboxfile", "view") + crud("operations", "alert", "view")

GRANTS = {
    IMPLEMENTATION_MANAGER: VIEW + ["operations.acknowledge_alert"],
    SUPPORT: VIEW + ["operations.acknowledge_alert"],
    AUDITOR: VIEW,
}


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_initial"), ("billers", "0005_operations_roles")]
    operations = [migrations.RunPython(partial(grant, grants=GRANTS), migrations.RunPython.noop)]
