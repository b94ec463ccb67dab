"""The bench's child process (`ingest.bench.run_activity`): a module that imports no model at
import time, so that a process started by multiprocessing's 'spawn' can unpickle its target
before Django is set up."""


def activity(database_name, biller_id, user_id, path, rows):
    """In a fresh interpreter: set Django up, use the parent's database (`database_name`: a
    test database's under the tests), measure the payments import and the export run."""
    import django

    django.setup()
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = database_name
    from ingest.bench import measure_activity

    try:
        return measure_activity(biller_id, user_id, path, rows)
    finally:
        connection.close()
