"""The exports permissions of each role (DESIGN.md roles table)."""
import pytest
from django.contrib.auth.models import Group

VIEW = {f"view_{m}" for m in ["payment", "achreject", "accountchange", "exportrun", "exportfile"]}


@pytest.mark.parametrize("group, expected", [
    ("Support", VIEW | {"run_export", "void_payment", "add_payment", "add_achreject", "add_accountchange"}),
    ("Auditor", VIEW),
    ("Implementation Manager", VIEW),
])
def test_each_role_has_exactly_its_exports_permissions(db, group, expected):
    granted = set(Group.objects.get(name=group).permissions.filter(content_type__app_label="exports")
                  .values_list("codename", flat=True))
    assert granted == expected
