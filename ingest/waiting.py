"""A load whose task waits in the queue: why nothing happens, when something is wrong.

A load is queued while it is `uploaded` (its parse) or `approved` (its load). The load page
shows `icportal.workers.waiting_problem`; a task refused by a worker with another key is gone
from the queue, so such a load is failed with that message (Retry queues it again).
"""
from icportal.workers import KEY_MISMATCH, waiting_problem
from ingest.lifecycle import StateRefused, transition
from ingest.models import LoadStatus

FAILED_WHEN_REFUSED = {LoadStatus.UPLOADED: LoadStatus.PARSE_FAILED, LoadStatus.APPROVED: LoadStatus.LOAD_FAILED,
                       LoadStatus.REVERSAL_CONFIRMED: LoadStatus.LOADED}


def queue_problem(load):
    """The message for the load's page ("" when its task is running or simply waits its turn)."""
    if load.status not in FAILED_WHEN_REFUSED:
        return ""
    problem = waiting_problem(load.updated_at)
    if problem == KEY_MISMATCH:
        try:
            transition(load, FAILED_WHEN_REFUSED[load.status], None, problem, failure=problem)
        except StateRefused:  # a worker of the right key took it meanwhile
            return ""
        load.refresh_from_db()
    return problem
