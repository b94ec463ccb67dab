"""An export run's carried rows are inserted, and their keys checked, while the run writes its
files (exports.bulk.inserting; PostgreSQL: a second thread on the run's connection), and the
run's rows are sorted by Python, not by the query (exports.runs.pending_rows): the rows and
files are those of the reference path (the query's ORDER BY, the rows inserted after writing)."""
import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exports.bulk import inserting
from exports.models import CarriedPayment, ExportRun, Trigger
from exports.runs import FETCH_ORDER, RECORD_LOOKUPS, RECORD_TYPES, pending_rows, run_export
from exports.writers import RunInfo, get_writer
from ledger.models import Account, AccountChange, AchReject, Payment

UTC = datetime.timezone.utc
DAY = datetime.date(2025, 3, 9)
# few instants and look-alike references, so that the sort keys collide and tie
instants = st.sampled_from([datetime.datetime(2025, 3, 8, 12, tzinfo=UTC), datetime.datetime(2025, 3, 9, 7, tzinfo=UTC),
                            datetime.datetime(2025, 3, 8, 12, 0, 1, tzinfo=UTC)])
references = st.text(st.sampled_from("aAbB_-z0 é"), min_size=1, max_size=3)
FORMATS = {"payment": "watersmart.payments", "reject": "watersmart.rejects", "change": "watersmart.changelog"}


def reference_rows(biller, file_format, kind):
    """The rows as the run fetched them before: sorted by the query."""
    model = RECORD_TYPES[kind][0]
    _, names = RECORD_LOOKUPS[kind]
    return list(model.objects.filter(biller=biller).exclude(carried__file_format=file_format)
                .order_by(*FETCH_ORDER[kind]).values_list("pk", *names))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payments=st.lists(st.tuples(instants, references), max_size=10, unique_by=lambda p: p[1]),
       rejects=st.lists(st.tuples(st.dates(datetime.date(2025, 3, 7), DAY), references), max_size=6,
                        unique_by=lambda r: r[1]),
       changes=st.lists(instants, max_size=6))
def test_the_rows_and_files_are_those_of_the_query_sorted_rows(watersmart, payments, rejects, changes):
    account = Account.objects.get(biller=watersmart, account_number="1001")
    with transaction.atomic():
        for paid_at, guid in payments:
            Payment.objects.create(biller=watersmart, account=account, payment_guid=guid, paid_at=paid_at,
                                   payment_type_id=1, amount=1, status="approved")
        for reject_date, reference in rejects:
            AchReject.objects.create(biller=watersmart, account=account, reference_number=reference,
                                     transaction_date=reject_date, reject_date=reject_date, amount=1, code="R01")
        for at in changes:
            AccountChange.objects.create(biller=watersmart, account=account, kind="email", at=at, value="x")
        for kind, code in FORMATS.items():
            file_format = watersmart.file_formats.get(file_format__code=code).file_format
            rows, build, order = pending_rows(watersmart, file_format, DAY)
            expected = reference_rows(watersmart, file_format, kind)
            assert sorted(rows) == sorted(expected)
            rows.sort(key=order)
            info = RunInfo(1, datetime.datetime(2025, 3, 10, tzinfo=UTC), DAY, watersmart.zone)
            write = get_writer(code).write
            assert write([build(row[1:]) for row in rows], info) == write([build(row[1:]) for row in expected], info)
        transaction.set_rollback(True)


def a_run(biller):
    file_format = biller.file_formats.get(file_format__code="watersmart.payments").file_format
    return ExportRun.objects.create(biller=biller, file_format=file_format, business_date=DAY, options={},
                                    trigger=Trigger.COMMAND, created_at=datetime.datetime(2025, 3, 10, tzinfo=UTC))


def a_payment(biller, guid):
    return Payment.objects.create(biller=biller, account=Account.objects.get(biller=biller, account_number="1001"),
                                  payment_guid=guid, paid_at=datetime.datetime(2025, 3, 8, tzinfo=UTC),
                                  payment_type_id=1, amount=1, status="approved")


ATTRS = ["run", "record", "file_format", "approved"]


def test_the_rows_are_in_the_table_when_the_block_ends(watersmart):
    run = a_run(watersmart)
    payments = [a_payment(watersmart, f"p{n}") for n in range(3)]
    with inserting(CarriedPayment, ATTRS, [(run.pk, p.pk, run.file_format_id, True) for p in payments]):
        pass
    assert sorted(CarriedPayment.objects.values_list("record_id", flat=True)) == sorted(p.pk for p in payments)


@pytest.mark.postgresql
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the keys are checked in the block on PostgreSQL")
def test_a_missing_key_is_refused_when_the_block_ends_not_at_commit(watersmart):
    run = a_run(watersmart)
    ran = []
    with pytest.raises(IntegrityError, match="foreign key"), transaction.atomic():
        with inserting(CarriedPayment, ATTRS, [(run.pk, 10**12, run.file_format_id, True)]):
            ran.append(True)
    assert ran == [True]  # the block ran; the error came when it ended, inside the transaction
    assert not CarriedPayment.objects.exists()
    # the keys are deferred again afterwards, as Django declares them
    with transaction.atomic():
        CarriedPayment.objects.create(run=run, record_id=10**12, file_format_id=run.file_format_id, approved=True)
        CarriedPayment.objects.filter(record_id=10**12).delete()


@pytest.mark.postgresql
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the insert runs in a second thread on PostgreSQL")
def test_the_blocks_error_wins_and_the_insert_is_waited_for(watersmart):
    run = a_run(watersmart)
    payment = a_payment(watersmart, "p")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        with inserting(CarriedPayment, ATTRS, [(run.pk, payment.pk, run.file_format_id, True)]):
            1 / 0
    assert not CarriedPayment.objects.exists()
    with inserting(CarriedPayment, ATTRS, [(run.pk, payment.pk, run.file_format_id, True)]):
        pass
    assert CarriedPayment.objects.get().record_id == payment.pk


@pytest.mark.postgresql
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite checks the keys at commit, which a test's transaction never reaches")
def test_a_run_whose_carried_rows_are_refused_fails_and_carries_nothing(watersmart, monkeypatch):
    import exports.runs

    payment = a_payment(watersmart, "p1")
    real = exports.runs.pending_rows

    def with_a_deleted_payment(*args):
        rows, build, order = real(*args)
        return rows + [(10**12, *rows[0][1:])], build, order  # a row whose payment is not there (deleted since)
    monkeypatch.setattr(exports.runs, "pending_rows", with_a_deleted_payment)
    with pytest.raises(exports.runs.ExportFailed, match="foreign key|FOREIGN KEY"):
        run_export(watersmart, "watersmart.payments", DAY)
    assert not CarriedPayment.objects.exists()
    assert ExportRun.objects.get().status == "failed"
    monkeypatch.undo()
    assert run_export(watersmart, "watersmart.payments", DAY).carried_payments.get().record_id == payment.pk
