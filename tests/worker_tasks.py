"""Task functions that the workers-leg tests submit with async_task; the qcluster processes
import them by dotted path (tests.worker_tasks.NAME).

They write to two tables that tests/test_workers.py creates: `ci_task_attempt` (one row per
time a task body starts, no constraint) and `ci_task_run` (one row per task key, primary key:
a second run of the same task fails on it).
"""
import os
import time
from pathlib import Path

from django.db import connection, transaction


def record_run(key, pause=0.0):
    """Note the attempt, work for `pause` seconds, then record the run; return the cluster
    (process group) that ran it."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO ci_task_attempt (key, pid, pgid) VALUES (%s, %s, %s)",
                       [key, os.getpid(), os.getpgrp()])
    time.sleep(pause)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO ci_task_run (key, pid, pgid) VALUES (%s, %s, %s)",
                       [key, os.getpid(), os.getpgrp()])
    return os.getpgrp()


def write_rows_slowly(key, rows, marker, pause):
    """Write `rows` rows for `key` in ONE transaction, and in its middle append this worker's
    pid to the file `marker` and sleep `pause` seconds (the window in which a test kills the
    worker). Killed there, the worker leaves no row: the transaction never commits."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            for number in range(rows):
                cursor.execute("INSERT INTO ci_task_run (key, pid, pgid) VALUES (%s, %s, %s)",
                               [f"{key}-{number}", os.getpid(), os.getpgrp()])
                if number == rows // 2:
                    with open(marker, "a") as note:
                        note.write(f"{os.getpid()}\n")
                    time.sleep(pause)
    return rows


def marker_pids(marker):
    path = Path(marker)
    return [int(line) for line in path.read_text().split()] if path.exists() else []
