"""Workers leg: two real qcluster processes on Redis share the work, each task exactly once.

Run with `bash .ci/run` or, by hand, with PostgreSQL and Redis running:
    ICPORTAL_WORKERS_LEG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        Q_BROKER=redis://127.0.0.1:6379/0 bin/test -m workers
"""
import os
import signal

import pytest
from django.db import connection
from django_q.models import Task
from django_q.tasks import async_task

from tests.support.processes import group_members, wait_for
from tests.worker_tasks import marker_pids

pytestmark = pytest.mark.workers

TASKS = 10
FINISH_TIMEOUT = 90  # seconds for all tasks of a test to finish


@pytest.fixture
def task_tables(committed_db):
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ci_task_attempt, ci_task_run")
        cursor.execute("CREATE TABLE ci_task_attempt (id serial PRIMARY KEY, key text NOT NULL, "
                       "pid integer NOT NULL, pgid integer NOT NULL)")
        cursor.execute("CREATE TABLE ci_task_run (key text PRIMARY KEY, pid integer NOT NULL, "
                       "pgid integer NOT NULL)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ci_task_attempt, ci_task_run")


def rows(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def wait_for_tasks(task_ids, clusters):
    finished = wait_for(lambda: Task.objects.filter(id__in=task_ids).count() == len(task_ids),
                        FINISH_TIMEOUT, interval=0.25)
    if not finished:
        done = Task.objects.filter(id__in=task_ids).count()
        logs = "\n".join(f"--- {c.label} ({c.log_path}):\n{c.log_tail()}" for c in clusters)
        pytest.fail(f"{done} of {len(task_ids)} tasks finished within {FINISH_TIMEOUT} s\n{logs}",
                    pytrace=False)


def test_it_runs_each_task_exactly_once_across_two_clusters(qclusters, task_tables):
    keys = [f"task-{number}" for number in range(TASKS)]
    # Each task works for a second: a cluster takes at most queue_limit (workers**2 = 4) plus
    # its two running tasks from Redis, so ten tasks need both clusters.
    task_ids = [async_task("tests.worker_tasks.record_run", key, 1.0) for key in keys]

    wait_for_tasks(task_ids, qclusters)

    failures = Task.objects.filter(id__in=task_ids, success=False)
    assert not failures.exists(), [(t.name, t.result) for t in failures]
    assert sorted(key for key, in rows("SELECT key FROM ci_task_run")) == sorted(keys)
    attempts = rows("SELECT key, count(*) FROM ci_task_attempt GROUP BY key HAVING count(*) > 1")
    assert attempts == [], f"tasks started more than once: {attempts}"
    assert rows("SELECT count(*) FROM ci_task_attempt") == [(TASKS,)]
    clusters_that_worked = {pgid for pgid, in rows("SELECT DISTINCT pgid FROM ci_task_run")}
    assert clusters_that_worked == {cluster.pid for cluster in qclusters}, (
        f"work done by process groups {clusters_that_worked}, clusters are "
        f"{ {c.label: c.pid for c in qclusters} }")
    assert {task.result for task in Task.objects.filter(id__in=task_ids)} <= clusters_that_worked


def test_a_worker_killed_mid_transaction_leaves_nothing_and_the_cluster_goes_on(
        qclusters, task_tables, tmp_path):
    marker = tmp_path / "in-the-middle.txt"
    killed_task = async_task("tests.worker_tasks.write_rows_slowly", "killed", 10, str(marker), 60)

    pids = wait_for(lambda: marker_pids(marker), 30)
    assert pids, "the task never reached the middle of its transaction within 30 s"
    victim = pids[0]
    cluster = next(c for c in qclusters if victim in group_members(c.pid))
    os.kill(victim, signal.SIGKILL)

    # django-q2 notices the dead worker and starts another in its place
    cluster.wait_for_log(r"reincarnated worker \S+ after death")
    assert wait_for(lambda: len(cluster.worker_pids()) == 2, 30), cluster.log_tail()
    # nothing of the killed transaction was written ...
    assert rows("SELECT count(*) FROM ci_task_run WHERE key LIKE 'killed-%'") == [(0,)]
    # ... and both clusters still work: the next tasks run, once each
    task_ids = [async_task("tests.worker_tasks.record_run", f"after-{n}", 0.2) for n in range(4)]
    wait_for_tasks(task_ids, qclusters)
    assert rows("SELECT count(*) FROM ci_task_run WHERE key LIKE 'after-%'") == [(4,)]
    # On Redis a task is taken off the queue when a worker starts it (there is no ack): the
    # killed task is not run again, and no result says it succeeded. Whatever it was doing
    # must be recoverable by the application (a load left `loading` is retried or failed).
    assert marker_pids(marker) == [victim]
    assert not Task.objects.filter(id=killed_task, success=True).exists()
