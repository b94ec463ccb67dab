"""The upload page: biller first, then one of its enabled inbound formats (checked on the
server), then the file; size limit; stored under a generated name (parsing: test_queued.py)."""
import hashlib

from django.urls import reverse
from django.utils.html import escape

from billers.models import Biller, BillerFileFormat
from ingest.models import Load
from tests.support.loadkit import change_url, demo, login, sample, upload, upload_url  # noqa: F401


def test_it_asks_for_the_biller_then_offers_only_its_enabled_inbound_formats(demo):
    support = login("support")
    page = support.get(upload_url()).content.decode()
    assert 'name="biller"' in page and 'name="file"' not in page
    biller = Biller.objects.get(slug="demo-watersmart")
    page = support.get(upload_url(), {"biller": biller.pk}).content.decode()
    assert 'value="watersmart.invoice"' in page and 'value="watersmart.adjustment"' in page
    assert "watersmart.payments" not in page and "incode" not in page


def test_it_refuses_a_format_the_biller_has_not_enabled(demo):
    BillerFileFormat.objects.filter(biller__slug="demo-watersmart", file_format__code="watersmart.adjustment") \
        .update(enabled=False)
    support = login("support")
    for code in ("watersmart.adjustment", "incode.invoice.include_dashes", "watersmart.payments"):
        response, load = upload(support, "demo-watersmart", code, sample("watersmart_adjustment.csv"))
        assert response.status_code == 200 and load is None
        assert "Select a valid choice" in response.content.decode()


def test_it_refuses_a_file_over_the_size_limit_with_a_clear_message(demo, settings, tmp_path):
    settings.MAX_UPLOAD_MB = 1
    path = tmp_path / "big.csv"
    path.write_bytes(b"100234,x\n" * 130_000)
    response, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", path)
    assert response.status_code == 200 and load is None
    assert "The file is 1.1 MB; the limit is 1 MB (MAX_UPLOAD_MB)." in response.content.decode()


def test_it_stores_the_file_under_a_generated_name_with_its_sha256_and_size(demo):
    path = sample("watersmart_invoice.csv")
    response, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", path)
    assert response["Location"] == change_url(load)
    data = path.read_bytes()
    assert load.sha256 == hashlib.sha256(data).hexdigest() and load.size == len(data)
    assert load.original_name == "watersmart_invoice.csv"
    assert load.file.name.startswith("loads/") and load.file.name.endswith(".upload")
    assert load.file.read() == data
    assert load.events.first().to_status == "uploaded" and load.events.first().user.username == "support"


def test_it_shows_progress_and_refreshes_while_parsing(demo):
    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", sample("watersmart_invoice.csv"))
    Load.objects.filter(pk=load.pk).update(status="parsing", progress=3)
    page = login("auditor").get(change_url(load)).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "3 records read so far" in page
    Load.objects.filter(pk=load.pk).update(status="parsed")
    assert 'http-equiv="refresh"' not in login("auditor").get(change_url(load)).content.decode()


def test_it_says_when_a_file_was_decoded_as_windows_1252(demo, tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes("100234,Jos\u00e9 Pe\u00f1a,1 Oak St,,Fresno,CA,93701,01/15/2025,02/05/2025,84.16,,5001001,1\n"
                     .encode("cp1252"))
    support = login("support")
    _, load = upload(support, "demo-watersmart", "watersmart.invoice", path)
    load.refresh_from_db()
    assert load.encoding == "windows-1252" and load.warnings
    page = support.get(change_url(load)).content.decode()
    assert "<h2>Warnings</h2>" in page and all(escape(warning) in page for warning in load.warnings)
    assert "<th>encoding</th><td>windows-1252</td>" in page
    assert load.records.get().data["customer"]["CustomerName"] == "Jos\u00e9 Pe\u00f1a"


def test_it_has_no_standard_add_change_or_delete_of_loads(demo):
    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", sample("watersmart_invoice.csv"))
    support = login("support")
    assert support.get(reverse("admin:ingest_load_add")).status_code == 403
    response = support.post(change_url(load), {"status": "loaded"})
    assert response.status_code == 403
    assert support.post(reverse("admin:ingest_load_delete", args=[load.pk]), {"post": "yes"}).status_code == 403
    load.refresh_from_db()
    assert load.status == "parsed"
