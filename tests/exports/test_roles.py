"""The exports and ledger permissions of each role (DESIGN.md roles table): outbound runs are
exports', the activity they carry is the ledger's."""
import pytest
from django.contrib.auth.models import Group

EXPORTS_VIEW = {"view_exportrun", "view_exportfile"}
LEDGER_VIEW = {f"view_{m}" for m in ["account", "invoice", "invoicedetail", "payment", "achreject", "accountchange",
                                     "customer", "customeraccount"]}


@pytest.mark.parametrize("group, app_label, expected", [
    ("Support", "exports", EXPORTS_VIEW | {"run_export"}),
    ("Auditor", "exports", EXPORTS_VIEW),
    ("Implementation Manager", "exports", EXPORTS_VIEW),
    ("Support", "ledger", LEDGER_VIEW | {"void_payment", "add_payment", "add_achreject", "add_accountchange"}),
    ("Auditor", "ledger", LEDGER_VIEW),
    ("Implementation Manager", "ledger", LEDGER_VIEW),
])
def test_each_role_has_exactly_its_exports_and_ledger_permissions(db, group, app_label, expected):
    granted = set(Group.objects.get(name=group).permissions.filter(content_type__app_label=app_label)
                  .values_list("codename", flat=True))
    assert granted == expected
