from functools import partial

from django.db import migrations

from icportal.roles import AUDITOR, IMPLEMENTATION_MANAGER, SUPPORT, crud, grant

CONFIGURATION = ["biller", "billersetting", "bifcustomization", "billerfileformat",
                 "advancedsetting", "integrationmodification", "webservice", "portalredirect"]
PER_BILLER_ROWS = ["billersetting", "bifcustomization", "billerfileformat"]
READ_ONLY = ["fileformat", "biffeature"]

VIEW_ALL = [p for m in CONFIGURATION + READ_ONLY for p in crud("billers", m, "view")]

GRANTS = {
    IMPLEMENTATION_MANAGER: VIEW_ALL
    + [p for m in CONFIGURATION for p in crud("billers", m, "add", "change")]
    + [p for m in PER_BILLER_ROWS for p in crud("billers", m, "delete")]
    # Implementation managers keep the seeds' metadata of a format (transfer frequency, Stratus
    # repository and class, ITR, document status and owner, sample file); its definition stays read-only.
    + crud("billers", "fileformat", "change"),
    SUPPORT: VIEW_ALL,
    AUDITOR: VIEW_ALL,
}


class Migration(migrations.Migration):
    dependencies = [("billers", "0002_reference_data"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(partial(grant, grants=GRANTS), migrations.RunPython.noop)]
