"""The suite runs on the database DATABASE_URL names (the sqlite and postgresql legs of .ci/run),
and the schema and demo data fit it (PostgreSQL enforces column lengths; SQLite does not)."""
import os

import pytest

from django.db import connection


def test_it_runs_on_the_database_that_database_url_names(db):
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected, f"DATABASE_URL={url!r} but the tests run on {connection.vendor}"


def test_the_demo_data_loads_on_this_database(db):
    from billers.demo import seed_demo
    from billers.models import Biller, FileFormat

    seed_demo()
    assert FileFormat.objects.count() == 12
    assert set(Biller.objects.values_list("slug", flat=True)) == {
        "demo-watersmart", "demo-incode", "demo-incode-basic"}


@pytest.mark.postgresql
def test_migrate_creates_the_cache_table_where_the_workers_heartbeats_live(db):
    """With the ORM broker on PostgreSQL, django-q2's heartbeats go to the database cache: a
    plain `migrate` (the README's deployment step) creates its table."""
    from django.conf import settings
    from django.core.management import call_command

    if not settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        pytest.skip("Q_BROKER is Redis: the heartbeats are in Redis, there is no cache table")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE icportal_cache")
    assert "icportal_cache" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    assert "icportal_cache" in connection.introspection.table_names()
