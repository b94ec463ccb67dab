"""exports.bulk.fetch_rows: the rows an export run reads (binary, psycopg's C loaders, on
PostgreSQL) are the rows Django's own iterator gives for the same values_list queryset."""
import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exports.bulk import fetch_rows
from exports.models import ExportRun, Trigger
from exports.runs import FETCH_ORDER, RECORD_LOOKUPS, RECORD_TYPES
from ledger.models import Account, AccountChange, AchReject, Payment

UTC = datetime.timezone.utc
texts = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12)
cents = st.integers(-10**11, 10**11).map(lambda n: Decimal(n).scaleb(-2))
instants = st.datetimes(datetime.datetime(1990, 1, 1), datetime.datetime(2090, 1, 1),
                        timezones=st.sampled_from([UTC, datetime.timezone(datetime.timedelta(hours=-8))]))
payments = st.lists(st.fixed_dictionaries({
    "paid_at": instants, "amount": cents, "convenience_fee": st.none() | cents, "customer_name": texts,
    "status": st.sampled_from(["approved", "declined", "voided"]), "payment_type_id": st.sampled_from([1, 2]),
    "offline": st.booleans(), "invoice_type_id": st.none() | st.integers(0, 2**31 - 1), "payment_message": texts,
}), max_size=8)
rejects = st.lists(st.fixed_dictionaries({
    "transaction_date": st.dates(), "reject_date": st.dates(), "amount": cents, "customer_name": texts}), max_size=5)
changes = st.lists(st.fixed_dictionaries({"at": instants, "value": texts}), max_size=5)


def records_query(kind, biller):
    model = RECORD_TYPES[kind][0]
    _, names = RECORD_LOOKUPS[kind]
    return model.objects.filter(biller=biller).order_by(*FETCH_ORDER[kind]).values_list("pk", *names)


def assert_same_rows(queryset, chunk_size=3):
    expected = list(queryset.iterator(chunk_size=chunk_size))
    rows = list(fetch_rows(queryset, chunk_size))
    assert rows == expected
    # equal values of the same types (a Decimal's exponent, an aware datetime's instant)
    assert [[(type(v), str(v) if isinstance(v, Decimal) else v) for v in row] for row in rows] == \
        [[(type(v), str(v) if isinstance(v, Decimal) else v) for v in row] for row in expected]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payments=payments, rejects=rejects, changes=changes)
def test_it_reads_the_rows_djangos_iterator_reads(watersmart, payments, rejects, changes):
    account = Account.objects.get(biller=watersmart, account_number="1001")
    with transaction.atomic():
        for n, values in enumerate(payments):
            Payment.objects.create(biller=watersmart, account=account, payment_guid=f"p{n}", **values)
        for n, values in enumerate(rejects):
            AchReject.objects.create(biller=watersmart, account=account, code="R01", reference_number=f"r{n}",
                                     **values)
        for values in changes:
            AccountChange.objects.create(biller=watersmart, account=account, kind="email", **values)
        for kind in RECORD_LOOKUPS:
            assert_same_rows(records_query(kind, watersmart))
        transaction.set_rollback(True)


def test_it_streams_more_rows_than_a_chunk_in_order(watersmart):
    account = Account.objects.get(biller=watersmart, account_number="1001")
    start = datetime.datetime(2025, 3, 9, tzinfo=UTC)
    Payment.objects.bulk_create([
        Payment(biller=watersmart, account=account, payment_guid=f"p{n:03d}", paid_at=start - datetime.timedelta(
            minutes=n), amount=Decimal(n), status="approved", payment_type_id=1) for n in range(250)])
    queryset = records_query("payment", watersmart)
    assert_same_rows(queryset, chunk_size=7)
    assert [row[1] for row in fetch_rows(queryset, 7)] == [f"p{n:03d}" for n in reversed(range(250))]


def test_it_leaves_converted_and_annotated_columns_to_django(watersmart):
    """A JSONField has a converter (from_db_value); annotations are read by Django's iterator."""
    ExportRun.objects.create(biller=watersmart, file_format=watersmart.file_formats.first().file_format,
                             business_date=datetime.date(2025, 3, 9), trigger=Trigger.COMMAND,
                             created_at=datetime.datetime(2025, 3, 10, tzinfo=UTC), status="succeeded",
                             options={"split": True})
    runs = ExportRun.objects.order_by("pk")
    assert list(fetch_rows(runs.values_list("pk", "options"), 10))[0][1] == {"split": True}
    assert_same_rows(runs.values_list("pk", "options"))
    annotated = runs.annotate(twice=F("record_count") * 2, label=Value("x")).values_list("pk", "twice", "label")
    assert_same_rows(annotated)
    assert list(fetch_rows(annotated, 10))[0][1:] == (0, "x")


def test_it_leaves_flat_named_and_empty_selections_to_django(watersmart):
    account = Account.objects.get(biller=watersmart, account_number="1001")
    Payment.objects.create(biller=watersmart, account=account, payment_guid="p", amount=1, status="approved",
                           payment_type_id=1, paid_at=datetime.datetime(2025, 3, 9, tzinfo=UTC))
    payments = Payment.objects.order_by("pk")
    assert list(fetch_rows(payments.values_list("payment_guid", flat=True), 10)) == ["p"]
    assert [row.payment_guid for row in fetch_rows(payments.values_list("payment_guid", named=True), 10)] == ["p"]
    assert list(fetch_rows(payments.filter(pk__in=[]).values_list("pk"), 10)) == []
