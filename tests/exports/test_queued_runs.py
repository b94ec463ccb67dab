"""'Run outbound files' queues the run for the workers: the request writes no file, the run's
page shows it queued (and says when no worker runs), the task carries it out exactly once."""
import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from exports.activity import import_activity
from exports.models import ExportFile, ExportRun, RunStatus
from exports.queued import perform_run
from tests.support.activity import make_csv, payment_row

RUN_URL = reverse("admin:exports_exportrun_run")


@pytest.fixture
def queue_only(monkeypatch, settings):
    monkeypatch.setattr(Conf, "SYNC", False)
    settings.NO_WORKER_AFTER_SECONDS = 120


@pytest.fixture
def support(client, demo):
    client.force_login(User.objects.get(username="support"))
    return client


def post_run(client, biller):
    return client.post(RUN_URL, {"target": biller.file_formats.get(file_format__code="watersmart.payments").pk,
                                 "business_date": "2025-03-09"})


def test_the_request_queues_the_run_and_writes_nothing(support, watersmart, queue_only):
    import_activity("payments", watersmart, make_csv("payments", [payment_row()]))
    response = post_run(support, watersmart)
    run = ExportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("admin:exports_exportrun_change",
                                                                           args=[run.pk])
    assert run.status == RunStatus.QUEUED and run.record_count == 0 and not ExportFile.objects.exists()
    [task] = [SignedPackage.loads(row.payload) for row in OrmQ.objects.all()]
    assert task["func"] == "exports.queued.perform_run" and task["args"] == (run.pk,)

    page = support.get(response["Location"]).content.decode()
    assert f"Run #{run.pk} is queued for the workers" in page
    assert '<meta http-equiv="refresh" content="3">' in page and "Queued: waiting for a worker" in page

    assert perform_run(run.pk) == f"run {run.pk}: 1 records"  # what the worker does
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.record_count == 1 and run.files.count() == 1
    assert perform_run(run.pk) is None and ExportFile.objects.count() == 1  # a repeated task: nothing twice
    assert 'http-equiv="refresh"' not in support.get(response["Location"]).content.decode()


def test_the_run_page_says_no_worker_is_running(support, watersmart, queue_only):
    from django_q.brokers import get_broker

    get_broker().cache.clear()
    post_run(support, watersmart)
    run = ExportRun.objects.get()
    ExportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    page = support.get(reverse("admin:exports_exportrun_change", args=[run.pk])).content.decode()
    assert "no worker is running: start `manage.py qcluster`" in page
