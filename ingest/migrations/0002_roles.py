from functools import partial

from django.db import migrations

from icportal.roles import AUDITOR, IMPLEMENTATION_MANAGER, SUPPORT, grant

VIEW = ["ingest.view_load", "ingest.view_loadevent"]

GRANTS = {
    IMPLEMENTATION_MANAGER: VIEW + ["ingest.add_load"],
    SUPPORT: VIEW + ["ingest.add_load", "ingest.approve_load"],
    AUDITOR: VIEW,
}


class Migration(migrations.Migration):
    dependencies = [("ingest", "0001_initial"), ("billers", "0003_roles")]
    operations = [migrations.RunPython(partial(grant, grants=GRANTS), migrations.RunPython.noop)]
