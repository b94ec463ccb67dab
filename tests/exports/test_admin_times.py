"""Times are shown in the biller's zone with the zone's name; a run page's time matches its
file names; payments show their type by its meaning (issue 12)."""
import datetime
import re

from django.contrib.auth.models import User
from django.urls import reverse

from exports.activity import import_activity
from exports.runs import run_export
from ledger.models import Payment
from tests.support.activity import make_csv, payment_row


def test_the_run_page_shows_the_time_its_file_names_use(client, watersmart):
    import_activity("payments", watersmart, make_csv("payments", [payment_row()]))
    run = run_export(watersmart, "watersmart.payments", datetime.date(2025, 3, 9))
    client.force_login(User.objects.get(username="auditor"))
    html = client.get(reverse("admin:exports_exportrun_change", args=[run.pk])).content.decode()
    stamp = re.search(r"_(\d{14})\.csv", run.files.first().name)[1]
    local = run.created_at.astimezone(watersmart.zone)
    assert local.strftime("%Y%m%d%H%M%S") == stamp
    shown = local.strftime("%Y-%m-%d %H:%M:%S %Z")
    assert re.search(rf'<div class="readonly">{shown}</div>', html), shown
    assert shown.endswith(("PST", "PDT"))
    listing = client.get(reverse("admin:exports_exportrun_changelist")).content.decode()
    assert shown in listing


def test_a_payment_shows_its_type_by_its_meaning(client, watersmart):
    import_activity("payments", watersmart, make_csv("payments", [payment_row()]))
    payment = Payment.objects.get()
    client.force_login(User.objects.get(username="support"))
    url = reverse("admin:ledger_payment_changelist")
    Payment.objects.filter(pk=payment.pk).update(offline=False, payment_type_id=2, check_number="")
    assert ">ACH (bank account)<" in client.get(url).content.decode()
    Payment.objects.filter(pk=payment.pk).update(offline=True, check_number="1042")
    assert ">check no. 1042 (offline)<" in client.get(url).content.decode()
    Payment.objects.filter(pk=payment.pk).update(offline=False, check_number="", payment_type_id=1, card_brand="VISA")
    assert ">card (VISA)<" in client.get(url).content.decode()
