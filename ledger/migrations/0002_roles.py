from functools import partial

from django.db import migrations

from icportal.roles import AUDITOR, IMPLEMENTATION_MANAGER, SUPPORT, crud, grant

# DESIGN.md: what loads and exports write is read by every role; partner API customers and
# account links: view for every role. Support enters offline payments (admin form, activity
# import), imports rejects and account changes, and voids payments.
MODELS = ["account", "invoice", "invoicedetail", "payment", "achreject", "accountchange", "customer",
          "customeraccount"]
VIEW = [p for m in MODELS for p in crud("ledger", m, "view")]

GRANTS = {
    IMPLEMENTATION_MANAGER: VIEW,
    AUDITOR: VIEW,
    SUPPORT: VIEW + ["ledger.void_payment"] + crud("ledger", "payment", "add") + crud("ledger", "achreject", "add")
    + crud("ledger", "accountchange", "add"),
}


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial"), ("billers", "0003_roles")]
    operations = [migrations.RunPython(partial(grant, grants=GRANTS), migrations.RunPython.noop)]
