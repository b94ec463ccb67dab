"""Workers leg, the load workflow: loads parsed and loaded by two real qcluster processes on
Redis and PostgreSQL (the qclusters fixture of tests/conftest.py).

Uploads and approvals go through the admin (the Django test client, as support and support2);
every parse and load is queued for the workers (the qclusters fixture turns sync mode off).
"""
import datetime
import os
import signal

import pytest
from django.conf import settings as django_settings
from django_q.tasks import async_task

from ingest import pipeline
from ingest.models import Load, LoadEvent, LoadStatus
from ledger.models import Account, Invoice
from tests.support.invoices import write_invoices
from tests.support.loadkit import approve, login, upload
from tests.support.processes import wait_for

pytestmark = pytest.mark.workers

BILLER = "demo-watersmart"
FORMAT = "watersmart.invoice"
FINAL = {LoadStatus.LOADED, LoadStatus.LOAD_FAILED}


def wait_for_statuses(loads, wanted, clusters, timeout):
    def settled():
        return all(status in wanted for status in Load.objects.filter(pk__in=[l.pk for l in loads])
                   .values_list("status", flat=True))

    if not wait_for(settled, timeout, interval=0.25):
        statuses = dict(Load.objects.filter(pk__in=[l.pk for l in loads]).values_list("pk", "status"))
        logs = "\n".join(f"--- {c.label} ({c.log_path}):\n{c.log_tail()}" for c in clusters)
        pytest.fail(f"loads not {sorted(wanted)} within {timeout} s: {statuses}\n{logs}", pytrace=False)


def transitions(load):
    return list(LoadEvent.objects.filter(load=load).order_by("at", "id").values_list("to_status", flat=True))


def test_ten_loads_approved_at_once_are_each_loaded_exactly_once(qclusters, demo, tmp_path):
    rows = 50
    support, support2 = login("support"), login("support2")
    loads = []
    for n in range(10):
        path = write_invoices(tmp_path / f"invoices-{n}.csv", 200_000 + n * rows, rows)
        response, load = upload(support, BILLER, FORMAT, path)
        assert response.status_code == 302 and load is not None, response.content[:2000]
        loads.append(load)
    wait_for_statuses(loads, {LoadStatus.PARSED}, qclusters, 120)

    for load in loads:  # approved one after the other, without waiting: ten loads queued at once
        approve(support2, load, acknowledge_errors=False)
    wait_for_statuses(loads, FINAL, qclusters, 180)

    for load in loads:
        load.refresh_from_db()
        assert load.status == LoadStatus.LOADED, (load.pk, load.status, load.failure)
        assert transitions(load).count(LoadStatus.LOADING) == 1, transitions(load)
        assert transitions(load).count(LoadStatus.LOADED) == 1, transitions(load)
    assert Invoice.objects.filter(biller__slug=BILLER).count() == 10 * rows
    assert Account.objects.filter(biller__slug=BILLER).count() == 10 * rows


def test_a_worker_killed_in_the_middle_of_a_load_leaves_nothing_and_the_recovery_loads_it(
        qclusters, demo, tmp_path):
    rows = 20_000
    path = write_invoices(tmp_path / "big.csv", 300_000, rows)
    response, load = upload(login("support"), BILLER, FORMAT, path)
    assert response.status_code == 302, response.content[:2000]
    wait_for_statuses([load], {LoadStatus.PARSED}, qclusters, 300)

    approve(login("support2"), load, acknowledge_errors=False)
    task_name = f"run_load load {load.pk}"  # pipeline.start_load's task_name

    def loading_worker():
        return next(((c, pid) for c in qclusters if (pid := c.worker_processing(task_name))), None)

    found = wait_for(loading_worker, 60, interval=0.02)
    assert found, f"no worker took {task_name!r} within 60 s"
    cluster, victim = found
    assert wait_for(lambda: Load.objects.get(pk=load.pk).status == LoadStatus.LOADING, 10, interval=0.02)
    os.kill(victim, signal.SIGKILL)  # in the middle of the load (if it finished first, see below)
    load.refresh_from_db()
    assert load.status == LoadStatus.LOADING, (
        f"the load was {load.status} before its worker was killed: give it more rows")

    cluster.wait_for_log(r"reincarnated worker \S+ after death")
    load.refresh_from_db()
    assert load.status == LoadStatus.LOADING  # the worker died: no task will end this load now
    assert Invoice.objects.filter(biller__slug=BILLER).count() == 0  # nothing partly written
    assert Account.objects.filter(biller__slug=BILLER).count() == 0

    # Once the task timeout has passed the load counts as stuck: the recovery schedule's task
    # (run here at once, on the real workers) fails it and queues it again.
    timeout = datetime.timedelta(seconds=django_settings.Q_CLUSTER["timeout"] + 1)
    Load.objects.filter(pk=load.pk).update(task_started_at=load.task_started_at - timeout)
    async_task("ingest.pipeline.recover_stuck_loads", task_name="recover stuck loads (test)")
    retried = wait_for(lambda: transitions(load).count(LoadStatus.LOADING) == 2
                       and Load.objects.get(pk=load.pk).status in FINAL, 300, interval=0.25)
    assert retried, f"the recovered load did not finish within 300 s: {transitions(load)}"

    load.refresh_from_db()
    assert load.status == LoadStatus.LOADED, (load.status, load.failure)
    assert Invoice.objects.filter(biller__slug=BILLER).count() == rows
    assert transitions(load)[-5:] == [LoadStatus.LOADING, LoadStatus.LOAD_FAILED, LoadStatus.LOAD_FAILED,
                                      LoadStatus.LOADING, LoadStatus.LOADED]
    assert pipeline.AUTO_RETRY_NOTE in load.events.values_list("note", flat=True)
