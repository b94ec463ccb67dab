"""Property: whatever payments arrive and whatever sequence of runs is made, each payment is
carried at most once per format, by a run whose business date is on or after the payment's
local date, and a run for the latest date leaves nothing of that date or before uncarried."""
import datetime

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exports.models import CarriedPayment
from exports.runs import run_export
from ledger.models import Account, Payment

DAY0 = datetime.date(2025, 11, 1)  # around the fall-back change in America/Los_Angeles

arrivals = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 24 * 3600 - 1), st.sampled_from(
    ["approved", "declined", "voided"]), st.sampled_from([None, 1, 68])), max_size=12)
run_days = st.lists(st.integers(0, 3), min_size=1, max_size=5)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.tuples(arrivals, run_days), min_size=1, max_size=3))
def test_it_carries_each_payment_once_per_format_in_the_right_run(watersmart, batches):
    zone = watersmart.zone
    account = Account.objects.get(biller=watersmart, account_number="1001")
    with transaction.atomic():
        serial = 0
        for payments, days in batches:
            for day, second, status, invoice_type in payments:
                serial += 1
                midnight = datetime.datetime.combine(DAY0 + datetime.timedelta(days=day), datetime.time(0), tzinfo=zone)
                paid_at = (midnight.astimezone(datetime.timezone.utc) + datetime.timedelta(seconds=second))
                Payment.objects.create(biller=watersmart, account=account, payment_guid=f"p{serial}", paid_at=paid_at,
                                       payment_type_id=1, amount=1, status=status, invoice_type_id=invoice_type)
            for day in days:
                run_export(watersmart, "watersmart.payments", DAY0 + datetime.timedelta(days=day))
        links = list(CarriedPayment.objects.select_related("record", "run"))
        assert len({link.record_id for link in links}) == len(links)
        for link in links:
            assert link.record.paid_at.astimezone(zone).date() <= link.run.business_date
            assert not (link.record.status == "approved" and link.record.invoice_type_id == 68)
        last = DAY0 + datetime.timedelta(days=max(day for _, days in batches for day in days))
        run_export(watersmart, "watersmart.payments", last)
        carried = set(CarriedPayment.objects.values_list("record_id", flat=True))
        for payment in Payment.objects.all():
            due = payment.paid_at.astimezone(zone).date() <= last
            cloud = payment.status == "approved" and payment.invoice_type_id == 68
            assert (payment.pk in carried) == (due and not cloud)
        transaction.set_rollback(True)
