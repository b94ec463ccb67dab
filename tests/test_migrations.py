"""The models and the migrations agree (makemigrations --check is clean), the migrations
follow the layers, and what their data steps write is in a freshly migrated database.

The migrations were rebuilt from scratch once (issue 16, no deployment yet): each project
app starts at 0001_initial, and the data steps of the old chains were kept in migrations
named for them (reference data, roles, the stuck-loads schedule)."""
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from billers.models import AdvancedSetting, BifFeature, FileFormat, IntegrationModification, PortalRedirect, WebService
from exports.catalog import declarations as writer_declarations
from icportal.roles import ROLES
from ingest.catalog import declarations as parser_declarations

# The layers of tests/test_layers.py, lowest first: an app's migrations may depend on its
# own layer and the ones below, never above.
LAYER = {"billers": 1, "ledger": 2, "ingest": 3, "exports": 3, "api": 3, "operations": 3}


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"makemigrations --check found changes (exit {exc.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


def project_migrations():
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return {key: migration for key, migration in loader.disk_migrations.items() if key[0] in LAYER}


@pytest.mark.django_db
def test_each_app_starts_at_one_initial_migration():
    migrations = project_migrations()
    assert {app for app, _ in migrations} == set(LAYER)
    for app in LAYER:
        initial = [name for (label, name), m in migrations.items() if label == app and m.initial]
        assert initial == ["0001_initial"], (app, initial)


@pytest.mark.django_db
def test_no_migration_depends_on_an_app_above_its_own():
    upward = sorted(f"{app}.{name} -> {dep_app}.{dep_name}"
                    for (app, name), migration in project_migrations().items()
                    for dep_app, dep_name in migration.dependencies
                    if dep_app in LAYER and LAYER[dep_app] > LAYER[app])
    assert upward == []


@pytest.mark.django_db
def test_the_data_migrations_wrote_the_roles_reference_rows_catalogue_and_schedule():
    from django_q.models import Schedule

    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)
    for role in ROLES:  # every role reads the ledger and the configuration
        perms = set(Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename"))
        assert {("ledger", "view_account"), ("ledger", "view_payment"), ("billers", "view_biller")} <= perms
    assert AdvancedSetting.objects.filter(setting_id=131).exists() and BifFeature.objects.exists()
    assert IntegrationModification.objects.exists() and WebService.objects.exists() and PortalRedirect.objects.exists()
    declared = {d.code for d in [*parser_declarations(), *writer_declarations()]}
    assert declared <= set(FileFormat.objects.filter(retired=False).values_list("code", flat=True))
    schedule = Schedule.objects.get(name="ingest: recover stuck loads")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == ("ingest.pipeline.recover_stuck_loads", "I", 1)
