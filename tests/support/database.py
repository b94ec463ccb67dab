"""A live server over committed data that leaves the test database as the session set it up."""
import pytest


@pytest.fixture
def database_left_as_found(django_db_blocker):
    """After the flush of a committing test, put back the migrations' data (groups, reference
    rows) and the demo seed, so that later tests of the same process (plain `transaction=True`
    tests, tests expecting the session's seed) find them. Must be set up before
    transactional_db, so that its teardown runs after the flush."""
    yield
    from django.db import connections

    from billers.demo import seed_demo

    with django_db_blocker.unblock():
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)
        seed_demo()


@pytest.fixture
def committed_live_server(request, database_left_as_found, committed_db):
    """The session's live server for a test whose data is committed. Requested under this name,
    pytest-django's autouse live-server helper does not set up transactional_db before
    database_left_as_found; this fixture does that helper's settings part itself."""
    server = request.getfixturevalue("live_server")
    server._live_server_modified_settings.enable()
    yield server
    server._live_server_modified_settings.disable()
