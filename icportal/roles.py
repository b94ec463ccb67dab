"""The three roles of DESIGN.md as Django groups, and the helper migrations use to grant them.

Each app grants the permissions of its own models in a data migration, so the groups grow
with the apps. `ROLE_TABLE` in tests/test_roles.py checks the result against DESIGN.md.
"""
from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

IMPLEMENTATION_MANAGER = "Implementation Manager"
SUPPORT = "Support"
AUDITOR = "Auditor"
ROLES = (IMPLEMENTATION_MANAGER, SUPPORT, AUDITOR)


def crud(app_label, model, *actions):
    return [f"{app_label}.{action}_{model}" for action in actions]


def grant(apps, schema_editor=None, grants=None):
    """Give each group its permissions ("app_label.codename"), creating groups as needed.

    Permissions are created first (they normally appear only after the whole migrate run),
    so that a data migration can grant permissions of models created in the same run.
    """
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, perms in (grants or {}).items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            try:
                permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            except Permission.DoesNotExist:
                raise LookupError(f"permission {perm} does not exist (granting it to {group_name})") from None
            group.permissions.add(permission)
