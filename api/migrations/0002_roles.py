from functools import partial

from django.db import migrations

from icportal.roles import AUDITOR, IMPLEMENTATION_MANAGER, SUPPORT, crud, grant

# DESIGN.md: partner API keys: create / revoke by implementation managers, view for the others;
# the call log: view for every role (support filters it to troubleshoot a partner).
VIEW = crud("api", "apikey", "view") + crud("api", "apicall", "view")
GRANTS = {
    IMPLEMENTATION_MANAGER: VIEW + crud("api", "apikey", "add") + ["api.revoke_apikey"],
    SUPPORT: VIEW,
    AUDITOR: VIEW,
}


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial"), ("billers", "0003_roles")]
    operations = [migrations.RunPython(partial(grant, grants=GRANTS), migrations.RunPython.noop)]
