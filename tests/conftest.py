"""Fixtures shared by the whole suite."""
import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo data once per test database; each test then runs in a transaction."""
    from billers.demo import seed_demo

    with django_db_blocker.unblock():
        seed_demo()


@pytest.fixture
def demo(db):
    """The demo data of DESIGN.md (three billers, four users). Seeded once per session;
    seeding again restores it after tests that flush the database (live server, workers)."""
    from django.contrib.auth.models import User

    from billers.demo import DEMO_BILLERS, DEMO_USERS, seed_demo
    from billers.models import Biller, FileFormat

    seeded = (Biller.objects.filter(slug__in=[b["slug"] for b in DEMO_BILLERS]).count() == len(DEMO_BILLERS)
              and User.objects.filter(username__in=[u for u, _ in DEMO_USERS]).count() == len(DEMO_USERS)
              and FileFormat.objects.exists())
    if not seeded:
        seed_demo()


@pytest.fixture
def client_for(client, demo):
    """A test client logged in as one of the demo users (im, support, support2, auditor)."""
    from django.contrib.auth.models import User

    def login(username):
        client.force_login(User.objects.get(username=username))
        return client

    return login


@pytest.fixture
def shared_dir():
    from tests.shared import shared

    return shared()
