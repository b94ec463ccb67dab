"""Are django-q2 workers alive to take this portal's tasks? Read from their heartbeats.

Every running `manage.py qcluster` saves a heartbeat (django-q2's cluster `Stat`, signed with
SECRET_KEY and the cluster name, kept 3 seconds) every half second: in Redis with the Redis
broker, in Django's default cache with the ORM broker (settings.CACHES: one cache that web and
workers share). A heartbeat that does not verify comes from a cluster that signs with another
key: it refuses every task this process queues.

Reads only: django-q2's own `Stat.get_all` rewrites the cache's list of clusters, a write the
web must not wait for.
"""
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils import timezone

NO_WORKER = "no worker is running: start `manage.py qcluster`"
KEY_MISMATCH = ("a worker is running but refuses this portal's tasks: it signs with another SECRET_KEY "
                "(web and workers need the same SECRET_KEY and Q_CLUSTER_NAME); the task was dropped. "
                "Restart the workers with the web's settings, then Retry")


@dataclass(frozen=True)
class Clusters:
    alive: int      # clusters whose heartbeat verifies with this process's key
    foreign: int    # clusters alive under this cluster name that sign with another key


def raw_heartbeats():
    # django-q2 is imported here, not at the top: this module is imported while the apps load
    # (IngestConfig), and django_q.conf imported then leaves `manage.py qcluster` without its log
    from django_q.brokers import get_broker
    from django_q.conf import Conf

    broker = get_broker()
    if Conf.REDIS and not Conf.ORM:
        return [pack for pack in broker.get_stats(f"{Conf.Q_STAT}:*") or [] if pack]
    if broker.cache is None:
        return []
    keys = broker.cache.get(Conf.Q_STAT) or []
    return [pack for pack in broker.cache.get_many(keys).values() if pack]


def read_clusters():
    from django_q.signing import BadSignature, SignedPackage  # see raw_heartbeats

    alive = foreign = 0
    for pack in raw_heartbeats():
        try:
            SignedPackage.loads(pack)
        except BadSignature:
            foreign += 1
        else:
            alive += 1
    return Clusters(alive, foreign)


def waiting_problem(queued_since, now=None):
    """Why a task queued at `queued_since` is not being run, or "" when nothing is known wrong:
    KEY_MISMATCH at once, NO_WORKER once it has waited NO_WORKER_AFTER_SECONDS."""
    clusters = read_clusters()
    if clusters.alive:
        return ""
    if clusters.foreign:
        return KEY_MISMATCH
    waited = ((now or timezone.now()) - queued_since).total_seconds()
    return NO_WORKER if waited >= settings.NO_WORKER_AFTER_SECONDS else ""


def create_cache_table(sender, using="default", **kwargs):
    """post_migrate: the database cache's table (settings.CACHES), when that is the cache."""
    if any(cache["BACKEND"].endswith("DatabaseCache") for cache in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)


def connect_signals(app_config):
    post_migrate.connect(create_cache_table, sender=app_config, dispatch_uid="icportal.workers.cache_table")


class TaskSignatureHint(logging.Filter):
    """On django-q2's logger (settings.LOGGING): its pusher's "Failed to push task to queue" (the
    task's signature does not verify, and the task is dropped) says what to fix."""

    def filter(self, record):
        if record.getMessage() == "Failed to push task to queue":
            record.msg = ("Failed to push task to queue: the task's signature does not verify here, so the task "
                          "is dropped; web and workers need the same SECRET_KEY and Q_CLUSTER_NAME")
            record.args = ()
        return True
