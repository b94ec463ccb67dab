"""Real django-q2 clusters for the workers leg: `manage.py qcluster` subprocesses on Redis and
the test database, as production runs them (icportal.settings, DEBUG off).

Each cluster runs in a session (process group) of its own, so that it and every process it
forks (sentinel, pusher, monitor, workers, their replacements) can be found and stopped
together. Stopping sends SIGTERM to the cluster's main process only (django-q2 then stops its
workers in order; a SIGTERM to the whole group can leave the main process waiting forever
on a lock a dead child held), waits a bounded time, then SIGKILLs whatever is left.
"""
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.processes import group_members, kill_group, wait_for

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60  # seconds for a cluster to say it is running
STOP_TIMEOUT = 30  # seconds for a graceful stop before SIGKILL
WORKERS_PER_CLUSTER = 2


@dataclass
class QCluster:
    label: str
    process: subprocess.Popen
    log_path: Path
    log_file: object = field(repr=False)

    @property
    def pid(self):
        """The main process's pid, which is also the cluster's process group id."""
        return self.process.pid

    def log(self):
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines=25):
        return "\n".join(self.log().splitlines()[-lines:])

    def is_running(self):
        return bool(re.search(r"Q Cluster \S+ \[django_q:[^\]]+\] running\.", self.log()))

    def worker_pids(self):
        """Pids of the live workers: "ready for work at PID" lines whose process still runs."""
        alive = group_members(self.pid)
        return [int(pid) for pid in re.findall(r"ready for work at (\d+)", self.log()) if int(pid) in alive]

    def worker_processing(self, task_name):
        """The pid of the live worker that has logged "processing <task_name> ...", or None.

        django-q2 logs a worker's name with its pid when it starts ("ready for work at PID")
        and with the task it takes ("processing TASK_NAME 'func'")."""
        log = self.log()
        pids = dict(re.findall(r"(Process-\w+) ready for work at (\d+)", log))
        alive = group_members(self.pid)
        for name in re.findall(rf"(Process-\w+) processing {re.escape(task_name)} '", log):
            pid = int(pids.get(name, 0))
            if pid in alive:
                return pid
        return None

    def wait_for_log(self, pattern, timeout=30):
        """Wait until the log matches `pattern` (a regex); fail the test with the log's tail if not."""
        if not wait_for(lambda: re.search(pattern, self.log()), timeout):
            pytest.fail(f"qcluster {self.label}: no log line matching {pattern!r} within {timeout} s; "
                        f"log {self.log_path}:\n{self.log_tail()}", pytrace=False)

    def kill(self):
        """SIGKILL the whole cluster at once, as when its machine dies."""
        return kill_group(self.pid)


def require_services():
    """The workers leg needs PostgreSQL (several processes write at once) and Redis: fail, with
    what to set, when either is missing."""
    import redis
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(f"workers leg: the test database is {connection.vendor}; set "
                    f"DATABASE_URL=postgres://... (bash .ci/run does)", pytrace=False)
    broker = settings.Q_CLUSTER.get("redis")
    if not broker:
        pytest.fail("workers leg: django-q2 is on the ORM broker; set Q_BROKER=redis://... "
                    "(bash .ci/run does)", pytrace=False)
    try:
        redis.from_url(broker, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        pytest.fail(f"workers leg: Redis at {broker} does not answer: {exc}", pytrace=False)


def database_url(settings_dict):
    """A DATABASE_URL for the database Django is connected to (the test database)."""
    def part(name):
        return quote(str(settings_dict.get(name) or ""), safe="")

    return (f"postgres://{part('USER')}:{part('PASSWORD')}@{part('HOST')}:{part('PORT')}"
            f"/{part('NAME')}")


def worker_environment():
    from django.conf import settings
    from django.db import connection

    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_", "DJANGO_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "icportal.settings",
        "DEBUG": "0",
        # the same key and cluster name as this process: django-q2 signs tasks with both
        "SECRET_KEY": settings.SECRET_KEY,
        "Q_CLUSTER_NAME": settings.Q_CLUSTER["name"],
        "Q_BROKER": settings.Q_CLUSTER["redis"],
        "Q_WORKERS": str(WORKERS_PER_CLUSTER),
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": database_url(connection.settings_dict),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "INBOX_ROOT": str(settings.INBOX_ROOT),
        "INBOX_SCAN_SECONDS": str(settings.INBOX_SCAN_SECONDS),
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
    })
    return env


def clear_queue():
    """Empty this run's Redis queue, so that a test never inherits another test's tasks."""
    from django_q.brokers import get_broker

    get_broker().purge_queue()


def start_clusters(labels, log_dir):
    """Start one cluster per label and wait until every one says it is running."""
    clear_queue()
    env = worker_environment()
    clusters = []
    try:
        for label in labels:
            log_path = log_dir / f"qcluster-{label}.log"
            log_file = open(log_path, "wb")
            process = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True)
            clusters.append(QCluster(label, process, log_path, log_file))
        for cluster in clusters:
            up = wait_for(lambda: cluster.is_running() or cluster.process.poll() is not None,
                          START_TIMEOUT)
            if cluster.process.poll() is not None:
                pytest.fail(f"qcluster {cluster.label} exited with code {cluster.process.returncode} "
                            f"while starting; log {cluster.log_path}:\n{cluster.log_tail()}", pytrace=False)
            if not up:
                pytest.fail(f"qcluster {cluster.label} did not say it was running within {START_TIMEOUT} s; "
                            f"log {cluster.log_path}:\n{cluster.log_tail()}", pytrace=False)
            up_workers = wait_for(lambda: len(cluster.worker_pids()) >= WORKERS_PER_CLUSTER, 30)
            if not up_workers:
                pytest.fail(f"qcluster {cluster.label}: fewer than {WORKERS_PER_CLUSTER} workers ready; "
                            f"log {cluster.log_path}:\n{cluster.log_tail()}", pytrace=False)
    except BaseException:
        stop_clusters(clusters)
        raise
    return clusters


def stop_clusters(clusters):
    """Stop every cluster; return what went wrong (an empty list when all stopped cleanly)."""
    problems = []
    for cluster in clusters:
        if cluster.process.poll() is None:
            cluster.process.send_signal(signal.SIGTERM)
    for cluster in clusters:
        try:
            cluster.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            problems.append(f"qcluster {cluster.label} did not stop within {STOP_TIMEOUT} s of SIGTERM "
                            f"(killed); log {cluster.log_path}")
        left = kill_group(cluster.pid)
        if left:
            problems.append(f"qcluster {cluster.label}: processes survive SIGKILL: {left}")
        try:
            cluster.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            problems.append(f"qcluster {cluster.label}: main process {cluster.pid} survives SIGKILL")
        cluster.log_file.close()
    try:
        clear_queue()
    except Exception as exc:  # Redis gone: the test has already failed for that reason
        problems.append(f"could not empty the Redis queue: {exc}")
    return problems
