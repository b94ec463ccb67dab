"""Load history for auditors: the list filtered by biller, format, status and date, searched
by file name or SHA-256, each load with its events; CSV and XLSX export."""
import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from ingest.models import LoadEvent
from tests.support.loadkit import change_url, demo, load_file, login, sample, upload  # noqa: F401

CHANGELIST = "admin:ingest_load_changelist"


@pytest.fixture
def history(demo):
    loaded = load_file("demo-watersmart", "watersmart.invoice", "watersmart_invoice.csv")
    _, parsed = upload(login("support"), "demo-incode", "incode.invoice.include_dashes", sample("incode_invoice.xml"))
    parsed.refresh_from_db()
    return loaded, parsed


def listed(client, **params):
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return {load.pk for load in response.context["cl"].result_list}


def test_it_filters_the_history_by_biller_format_status_and_date(history):
    loaded, parsed = history
    auditor = login("auditor")
    assert listed(auditor) == {loaded.pk, parsed.pk}
    assert listed(auditor, biller__id__exact=loaded.biller_id) == {loaded.pk}
    assert listed(auditor, file_format__id__exact=parsed.file_format_id) == {parsed.pk}
    assert listed(auditor, status__exact="loaded") == {loaded.pk}
    day = loaded.created_at.date()
    midnight = loaded.created_at.replace(hour=0, minute=0, second=0, microsecond=0)  # as the date filter sends it
    assert listed(auditor, created_at__gte=str(midnight)) == {loaded.pk, parsed.pk}
    assert listed(auditor, created_at__gte=str(midnight + datetime.timedelta(days=1))) == set()
    assert listed(auditor, created_at__year=day.year + 1) == set()
    assert listed(auditor, q=loaded.sha256) == {loaded.pk}
    assert listed(auditor, q="incode_invoice") == {parsed.pk}


def test_it_shows_each_load_with_its_events_read_only(history):
    loaded, _ = history
    html = login("auditor").get(change_url(loaded)).content.decode()
    shown = re.findall(r'class="field-to_status">\s*<p>([^<]*)</p>', html)
    assert shown == ["uploaded", "parsing", "parsed (preview ready)", "approved", "loading", "loaded"]
    assert re.findall(r'class="field-who">\s*<p>(\w+)</p>', html) == ["support"] * 3 + ["support2"] * 3
    assert 'type="submit" value="Save' not in html and "deletelink" not in html
    event = loaded.events.first()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    assert LoadEvent.objects.filter(load=loaded).count() == 6


def export(client, file_format):
    return client.post(reverse("admin:ingest_load_export") + "?status__exact=loaded", {"format": file_format})


def test_it_exports_the_history_as_csv_for_auditors(history):
    loaded, _ = history
    response = export(login("auditor"), "0")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == str(loaded.pk) and row["biller"] == "demo-watersmart" and row["format"] == "watersmart.invoice"
    assert row["status"] == "loaded" and row["sha256"] == loaded.sha256 and row["ok_count"] == "4"
    assert row["uploaded_by"] == "support" and row["approved_by"] == "support2"


def test_it_exports_the_history_as_xlsx(history):
    response = export(login("auditor"), "1")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:4] == ("id", "biller", "format", "status") and len(values) == 2
    assert values[1][1] == "demo-watersmart"


def test_it_neutralises_formulas_in_the_history_export(demo, tmp_path):
    path = tmp_path / "=HYPERLINK(evil).csv"
    path.write_bytes(sample("watersmart_invoice.csv").read_bytes())
    upload(login("support"), "demo-watersmart", "watersmart.invoice", path)
    response = login("auditor").post(reverse("admin:ingest_load_export"), {"format": "0"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["original_name"] == "'=HYPERLINK(evil).csv"


def test_it_names_the_uploader_and_approver_without_links_to_user_records(history):
    """No role may open user records: Django's link for a read-only foreign key would be a 403."""
    loaded, _ = history
    auditor = login("auditor")
    html = auditor.get(change_url(loaded)).content.decode()
    assert re.findall(r'class="readonly">(\w+)</div>', html[html.index("field-uploaded_by_name"):])[:1] == ["support"]
    assert re.findall(r'class="readonly">(\w+)</div>', html[html.index("field-approved_by_name"):])[:1] == ["support2"]
    assert "/admin/auth/user/" not in html
    assert auditor.get(reverse("admin:auth_user_change", args=[loaded.uploaded_by_id])).status_code == 403


def test_loads_are_found_by_biller_name_or_slug_and_by_an_account_number_the_file_holds(demo):
    from django.urls import reverse

    from tests.support.loadkit import login, sample, upload

    _, watersmart = upload(login("support"), "demo-watersmart", "watersmart.invoice", sample("watersmart_invoice.csv"))
    _, incode = upload(login("support"), "demo-incode", "incode.invoice.include_dashes", sample("incode_invoice.xml"))
    support = login("support")
    url = reverse("admin:ingest_load_changelist")

    def found(term):
        html = support.get(url, {"q": term}).content.decode()
        return sorted(int(n) for n in re.findall(r'<th class="field-id"><a href="/admin/ingest/load/(\d+)/', html))

    assert found("demo-watersmart") == [watersmart.pk]
    assert found("Demo Incode") == [incode.pk]
    assert found("100234") == [watersmart.pk]
    assert found("10-1002-62501") == [incode.pk]
    assert found("999999") == []


def test_the_load_list_shows_times_in_the_billers_zone_with_its_name(demo):
    from django.urls import reverse

    from tests.support.loadkit import login, sample, upload

    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", sample("watersmart_invoice.csv"))
    html = login("auditor").get(reverse("admin:ingest_load_changelist")).content.decode()
    shown = load.created_at.astimezone(load.biller.zone).strftime("%Y-%m-%d %H:%M:%S %Z")
    assert f'<td class="field-created_at_local">{shown}</td>' in html


def test_the_history_button_shows_the_loads_events(demo):
    from django.urls import reverse

    from tests.support.loadkit import login, sample, upload

    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", sample("watersmart_invoice.csv"))
    html = login("auditor").get(reverse("admin:ingest_load_history", args=[load.pk])).content.decode()
    assert "doesn’t have a change history" not in html and 'id="load-events"' in html
    table = html[html.index('id="load-events"'):]
    assert table.index("<td>uploaded</td>") < table.index("<td>parsing</td>") < table.index("<td>parsed</td>")
    assert "SHA-256" in table and "America/Los_Angeles" in html


def test_403_and_404_pages_are_in_the_admins_style_with_a_link_back(demo, settings):
    from django.urls import reverse

    from tests.support.loadkit import login

    settings.DEBUG = False
    auditor = login("auditor")
    refused = auditor.get(reverse("admin:ingest_load_upload"))
    assert refused.status_code == 403
    html = refused.content.decode()
    assert 'id="refusal"' in html and 'href="/admin/"' in html and "IC Integration Portal" in html
    missing = auditor.get("/no-such-page/")
    assert missing.status_code == 404 and 'id="not-found"' in missing.content.decode()
