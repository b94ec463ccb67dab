from functools import partial

from django.db import migrations

from icportal.roles import AUDITOR, IMPLEMENTATION_MANAGER, SUPPORT, crud, grant

# DESIGN.md: partner API customers and account links: view for every role.
VIEW = crud("ledger", "customer", "view") + crud("ledger", "customeraccount", "view")
GRANTS = {IMPLEMENTATION_MANAGER: VIEW, SUPPORT: VIEW, AUDITOR: VIEW}


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_customers_links_sessions"), ("billers", "0004_roles")]
    operations = [migrations.RunPython(partial(grant, grants=GRANTS), migrations.RunPython.noop)]
