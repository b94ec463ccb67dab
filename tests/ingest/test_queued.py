"""No web request parses or loads: upload and approval queue django-q2 tasks and return; the
load page says when no worker is alive to run them, or when a worker refuses them.

The suite runs django-q2 in sync mode (tests/settings.py); `queue_only` turns it off, so a task
stays in the ORM broker's queue exactly as the web leaves it for the workers."""
import datetime

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage
from django_q.status import Stat, Status

from icportal import workers
from ingest.models import Load, LoadStatus, StagedRecord
from tests.support.loadkit import approve, change_url, demo, login, sample, upload  # noqa: F401

INCODE = "incode.invoice.include_dashes"


@pytest.fixture
def queue_only(monkeypatch, settings):
    monkeypatch.setattr(Conf, "SYNC", False)
    settings.NO_WORKER_AFTER_SECONDS = 120


def queued_tasks():
    return [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("id")]


def pathological_incode(path, size=1_000_000):
    """One <account> block of about `size` bytes of attribute noise."""
    noise = 'x="1" ' * (size // 6)
    path.write_text(f'<account AccountNumber="1" {noise}>\n</account>\n', encoding="utf-8")
    return path


def heartbeat(key=None):
    """A cluster's heartbeat as django-q2's sentinel saves it, signed with `key` (default: ours)."""
    status = Status(pid=4242, cluster_id="c0ffee")
    pack = SignedPackage.dumps(status, True)
    if key is not None:
        from django_q import core_signing
        from django_q.signing import PickleSerializer

        pack = core_signing.dumps(status, key=key, salt=Conf.PREFIX, compress=True, serializer=PickleSerializer)
    get_broker().set_stat(Stat.get_key(status.cluster_id), pack, 30)


@pytest.fixture
def no_heartbeats():
    get_broker().cache.clear()
    yield
    get_broker().cache.clear()


def test_every_upload_is_parsed_by_a_django_q_task(demo):
    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", sample("watersmart_invoice.csv"))
    load.refresh_from_db()
    assert load.status == "parsed"  # sync mode: the task ran at once
    task = Task.objects.get(group="ingest")
    assert task.func == "ingest.pipeline.parse_load" and task.args == (load.pk, load.uploaded_by_id)


def test_the_upload_request_returns_before_parsing_starts(demo, queue_only, tmp_path):
    path = pathological_incode(tmp_path / "pathological.txt")
    response, load = upload(login("support"), "demo-incode", INCODE, path)
    assert response.status_code == 302 and response["Location"] == change_url(load)
    load.refresh_from_db()
    assert load.status == LoadStatus.UPLOADED and load.progress == 0 and load.records_count == 0
    assert not StagedRecord.objects.filter(load=load).exists()
    assert list(load.events.values_list("to_status", flat=True)) == ["uploaded"]
    [task] = queued_tasks()
    assert task["func"] == "ingest.pipeline.parse_load" and task["args"] == (load.pk, load.uploaded_by_id)
    # the other pages answer meanwhile: the load page says the parse waits for a worker
    page = login("auditor").get(change_url(load))
    assert page.status_code == 200 and "Uploaded." in page.content.decode()


def test_the_approval_request_queues_the_load_and_returns(demo, queue_only):
    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", sample("watersmart_invoice.csv"))
    from ingest import pipeline

    pipeline.parse_load(load.pk)  # what the worker does with the queued parse
    OrmQ.objects.all().delete()
    response = approve(login("support2"), load)
    assert response.status_code == 302
    assert load.status == LoadStatus.APPROVED
    [task] = queued_tasks()
    assert task["func"] == "ingest.pipeline.run_load" and task["args"][0] == load.pk


def test_the_load_page_says_no_worker_is_running_once_the_threshold_has_passed(demo, queue_only, no_heartbeats):
    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", sample("watersmart_invoice.csv"))
    auditor = login("auditor")
    assert workers.NO_WORKER not in auditor.get(change_url(load)).content.decode()  # just queued
    Load.objects.filter(pk=load.pk).update(updated_at=timezone.now() - datetime.timedelta(seconds=121))
    page = auditor.get(change_url(load)).content.decode()
    assert "no worker is running: start `manage.py qcluster`" in page
    heartbeat()  # a cluster of this portal is alive: the task simply waits its turn
    assert workers.NO_WORKER not in auditor.get(change_url(load)).content.decode()
    load.refresh_from_db()
    assert load.status == LoadStatus.UPLOADED


def test_a_worker_with_another_key_fails_the_load_naming_the_cause(demo, queue_only, no_heartbeats):
    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", sample("watersmart_invoice.csv"))
    heartbeat(key="another-key-" + "k" * 40)
    page = login("support").get(change_url(load)).content.decode()
    load.refresh_from_db()
    assert load.status == LoadStatus.PARSE_FAILED
    assert "SECRET_KEY" in load.failure and "Q_CLUSTER_NAME" in load.failure
    assert "signs with another SECRET_KEY" in page and "/retry/" in page
