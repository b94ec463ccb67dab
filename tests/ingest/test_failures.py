"""Failures: a fault in the middle of a load writes nothing and leaves the load retryable;
parse failures say why in one line; a stopped task can be retried; no double loading."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ingest import loading, pipeline, staging
from ingest.lifecycle import transition
from ingest.models import AdjustmentApplied, StagedRecord
from ledger.models import Account, Invoice, InvoiceDetail
from tests.support.loadkit import approve, change_url, demo, load_file, login, sample, upload  # noqa: F401

WS = ("demo-watersmart", "watersmart.invoice")


class Fault(RuntimeError):
    pass


def fail_on_batch(monkeypatch, module, name, number):
    """Make module.name raise after it has run `number` times (its rows are then written)."""
    real = getattr(module, name)
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == number:
            raise Fault("disk on fire")
        return result

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_it_rolls_back_a_load_that_fails_midway_and_loads_it_completely_on_retry(demo, settings, monkeypatch):
    settings.INGEST_BATCH_SIZE = 2            # 4 ok records: two batches
    support, support2 = login("support"), login("support2")
    _, load = upload(support, *WS, sample("watersmart_invoice.csv"))
    calls = fail_on_batch(monkeypatch, loading, "write_batch", 2)
    approve(support2, load)
    assert calls["n"] == 2                    # both batches were written before the fault
    assert load.status == "load_failed"
    assert load.failure.startswith("loading stopped on an internal error")
    assert "disk on fire" not in load.failure and "Traceback" not in load.failure
    assert Account.objects.count() == Invoice.objects.count() == InvoiceDetail.objects.count() == 0
    assert load.plan["stage"] == "preview"     # the plan of what was done was rolled back too
    page = support2.get(change_url(load)).content.decode()
    assert "/retry/" in page and "Traceback" not in page

    monkeypatch.undo()
    response = support2.post(reverse("admin:ingest_load_retry", args=[load.pk]))
    assert response.status_code == 302
    load.refresh_from_db()
    assert load.status == "loaded" and load.failure == ""
    assert load.invoices().count() == 4 and InvoiceDetail.objects.count() == 4
    assert Account.objects.count() == 4
    assert [e.to_status for e in load.events.all()] == [
        "uploaded", "parsing", "parsed", "approved", "loading", "load_failed", "loading", "loaded"]


def test_it_rolls_back_balances_when_an_adjustment_load_fails(demo, settings, monkeypatch):
    load_file(*WS, "watersmart_invoice.csv")
    before = dict(Account.objects.values_list("account_number", "current_balance"))
    settings.INGEST_BATCH_SIZE = 1
    _, load = upload(login("support"), "demo-watersmart", "watersmart.adjustment", sample("watersmart_adjustment.csv"))
    fail_on_batch(monkeypatch, loading, "write_batch", 2)
    approve(login("support2"), load)
    assert load.status == "load_failed"
    assert dict(Account.objects.values_list("account_number", "current_balance")) == before
    assert not AdjustmentApplied.objects.exists()
    monkeypatch.undo()
    pipeline.retry(load, login_user("support2"))
    load.refresh_from_db()
    assert load.status == "loaded" and AdjustmentApplied.objects.filter(load=load).count() == 2


def login_user(username):
    from django.contrib.auth.models import User

    return User.objects.get(username=username)


def test_it_refuses_a_binary_file_with_a_one_line_message_and_stages_nothing(demo, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    support = login("support")
    _, load = upload(support, *WS, path)
    load.refresh_from_db()
    assert load.status == "parse_failed" and load.failure == "not a text file"
    assert not StagedRecord.objects.filter(load=load).exists()
    assert "not a text file" in support.get(change_url(load)).content.decode()


def test_it_reports_an_unexpected_parse_error_without_a_traceback_and_retries(demo, settings, monkeypatch):
    settings.INGEST_BATCH_SIZE = 2
    real = staging.staged_record

    def broken(load, seq, record):
        if seq == 5:
            raise KeyError("boom")
        return real(load, seq, record)

    monkeypatch.setattr(staging, "staged_record", broken)
    support = login("support")
    _, load = upload(support, *WS, sample("watersmart_invoice.csv"))
    load.refresh_from_db()
    assert load.status == "parse_failed"
    assert load.failure.startswith("parsing stopped on an internal error") and "boom" not in load.failure
    assert not StagedRecord.objects.filter(load=load).exists()       # the 4 staged before are gone
    monkeypatch.undo()
    support.post(reverse("admin:ingest_load_retry", args=[load.pk]))
    load.refresh_from_db()
    assert load.status == "parsed" and load.records.count() == 7


def test_it_retries_a_load_whose_task_died_only_after_the_task_timeout(demo, settings):
    support, support2 = login("support"), login("support2")
    _, load = upload(support, *WS, sample("watersmart_invoice.csv"))
    pipeline.approve(load, login_user("support2"), acknowledge_errors=True)
    # a worker took the load and died: the status says loading, nothing was written
    transition(load, "loading", note="worker took it", task_started_at=timezone.now())
    with pytest.raises(pipeline.StateRefused):
        pipeline.retry(load, login_user("support2"))
    assert "/retry/" not in support2.get(change_url(load)).content.decode()
    timeout = settings.Q_CLUSTER["timeout"]
    load.__class__.objects.filter(pk=load.pk).update(
        task_started_at=timezone.now() - datetime.timedelta(seconds=timeout + 1))
    assert "/retry/" in support2.get(change_url(load)).content.decode()
    support2.post(reverse("admin:ingest_load_retry", args=[load.pk]))
    load.refresh_from_db()
    assert load.status == "loaded" and load.invoices().count() == 4
    assert "did not finish within the task timeout" in load.events.get(to_status="load_failed").note


def test_it_does_not_load_twice_when_two_workers_get_the_same_load(demo):
    load = load_file(*WS, "watersmart_invoice.csv")
    pipeline.run_load(load.pk)                 # a second worker, after the first one finished
    load.refresh_from_db()
    assert load.status == "loaded"
    assert Invoice.objects.count() == 4 and load.events.filter(to_status="loading").count() == 1


def test_it_reparses_without_duplicating_staging_and_deletes_it_in_one_statement(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    support = login("support")
    _, load = upload(support, *WS, sample("watersmart_invoice.csv"))
    first = list(load.records.values_list("seq", "line", "status"))
    with CaptureQueriesContext(connection) as queries:
        response = support.post(reverse("admin:ingest_load_reparse", args=[load.pk]))
    assert response.status_code == 302
    load.refresh_from_db()
    assert load.status == "parsed" and list(load.records.values_list("seq", "line", "status")) == first
    staging_sql = [q["sql"] for q in queries if 'FROM "ingest_stagedrecord"' in q["sql"]]
    deletes = [sql for sql in staging_sql if sql.startswith("DELETE")]
    assert len(deletes) == 1 and '"ingest_stagedrecord"."load_id" = ' in deletes[0]     # no row-by-row collection
    assert [e.to_status for e in load.events.all()][-2:] == ["parsing", "parsed"]


def test_it_recovers_a_stuck_parse_when_the_task_is_delivered_again(demo, settings):
    _, load = upload(login("support"), *WS, sample("watersmart_invoice.csv"))
    transition(load, "parsing", note="re-parse that died")                  # parsed -> parsing
    pipeline.parse_load(load.pk)                                            # still running: left alone
    load.refresh_from_db()
    assert load.status == "parsing"
    stale = timezone.now() - datetime.timedelta(seconds=settings.Q_CLUSTER["timeout"] + 1)
    load.__class__.objects.filter(pk=load.pk).update(task_started_at=stale)
    pipeline.parse_load(load.pk)                                            # django-q's second attempt
    load.refresh_from_db()
    assert load.status == "parsed" and load.records.count() == 7
    assert [e.to_status for e in load.events.all()][-4:] == ["parsing", "parse_failed", "parsing", "parsed"]



def died_while_loading(load, minutes_ago):
    """A worker took the load and died: the status says loading, nothing was written."""
    transition(load, "loading", note="worker took it",
               task_started_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))


def approved_watersmart_sample():
    _, load = upload(login("support"), *WS, sample("watersmart_invoice.csv"))
    pipeline.approve(load, login_user("support2"), acknowledge_errors=True)
    return load


def test_the_schedule_recovers_a_load_whose_worker_died_and_loads_it(demo, settings):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="ingest: recover stuck loads")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "ingest.pipeline.recover_stuck_loads", Schedule.MINUTES, 1)
    load = approved_watersmart_sample()
    timeout_minutes = settings.Q_CLUSTER["timeout"] // 60
    died_while_loading(load, timeout_minutes - 1)
    assert pipeline.recover_stuck_loads() == []  # its task may still be running: left alone
    load.refresh_from_db()
    assert load.status == "loading"
    load.__class__.objects.filter(pk=load.pk).update(
        task_started_at=timezone.now() - datetime.timedelta(minutes=timeout_minutes + 1))
    assert pipeline.recover_stuck_loads() == [load.pk]
    load.refresh_from_db()
    assert load.status == "loaded" and load.invoices().count() == 4
    events = [(e.to_status, e.note) for e in load.events.all()][-4:]
    assert events[:3] == [("load_failed", "the task did not finish within the task timeout; retried"),
                          ("load_failed", pipeline.AUTO_RETRY_NOTE), ("loading", "loading started")]
    assert events[3][0] == "loaded"


def test_after_its_automatic_retries_a_stuck_load_waits_failed_for_a_person(demo, settings):
    load = approved_watersmart_sample()
    late = settings.Q_CLUSTER["timeout"] // 60 + 1
    died_while_loading(load, late)
    for _ in range(pipeline.AUTO_RETRIES):  # each automatic retry's task died as well
        transition(load, "load_failed", note="the task did not finish within the task timeout; retried")
        pipeline.record_event(load, "load_failed", note=pipeline.AUTO_RETRY_NOTE, from_status="load_failed")
        transition(load, "loading", task_started_at=timezone.now() - datetime.timedelta(minutes=late))
    assert pipeline.recover_stuck_loads() == []
    load.refresh_from_db()
    assert load.status == "load_failed" and not load.invoices().exists()
    assert pipeline.can_retry(load)  # a person can still retry it
