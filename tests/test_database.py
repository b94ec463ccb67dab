"""The suite runs on the database DATABASE_URL names (the sqlite and postgresql legs of .ci/run),
and the schema and demo data fit it (PostgreSQL enforces column lengths; SQLite does not)."""
import os

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
