"""Issue 13's acceptance over HTTP against the live server: a key from `manage.py api_key`,
RemoteAuthentication for an account of the WaterSmart sample (#29 = 1 creates the customer),
SetCustomerEmailAddress, then the day's ICChangeLog carries the new e-mail and its change
time, exactly once."""
import datetime
import io
import json
import urllib.error
import urllib.request

from django.core.management import call_command
from django.utils import timezone

from billers.models import Biller
from tests.shared import shared
from tests.support.database import committed_live_server, database_left_as_found  # noqa: F401
from tests.support.partner_api import set_create_customer


def post(url, body, key):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def run_changelog(day, out_dir):
    out = io.StringIO()
    call_command("export_files", "--biller", "demo-watersmart", "--format", "watersmart.changelog",
                 "--date", day.isoformat(), "--out", str(out_dir), stdout=out)
    [name] = out.getvalue().split()
    return (out_dir / name).read_bytes().decode().split("\r\n")


def test_an_email_changed_through_the_api_reaches_the_change_log_once(committed_live_server, demo, tmp_path):
    call_command("ingest", str(shared("samples", "watersmart_invoice.csv")), "--biller", "demo-watersmart",
                 "--format", "watersmart.invoice", "--user", "support", "--approve", "--allow-errors",
                 stdout=io.StringIO())
    set_create_customer("demo-watersmart", "1")
    out = io.StringIO()
    call_command("api_key", "--biller", "demo-watersmart", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    base = f"{committed_live_server.url}/api/v1/demo-watersmart/"

    status, signed_in = post(base + "RemoteAuthentication",
                             {"EmailAddress": "joe@example.com", "Password": "pw-1", "AccountNumber": "100234"}, key)
    assert status == 200 and signed_in["Created"] is True
    before = timezone.now().replace(microsecond=0)
    status, changed = post(base + "SetCustomerEmailAddress",
                           {"CustomerGUID": signed_in["CustomerGUID"], "EmailAddress": "joe.smith@example.com"}, key)
    after = timezone.now()
    assert status == 200 and changed["Changed"] is True

    zone = Biller.objects.get(slug="demo-watersmart").zone
    today = timezone.now().astimezone(zone).date()
    lines = run_changelog(today, tmp_path / "first")
    assert lines[0].startswith("Account Number,AutoPay Sign Up Date,AutoPay Cancel Date,Email Address,")
    [row] = [line.split(",") for line in lines[1:] if line]
    assert row[0] == "100234" and row[3] == "joe.smith@example.com"
    changed_at = datetime.datetime.strptime(row[4], "%m%d%Y%H%M%S").replace(tzinfo=zone)
    assert before <= changed_at <= after

    again = run_changelog(today, tmp_path / "second")
    assert [line for line in again[1:] if line] == []
