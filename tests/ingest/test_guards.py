"""Guards against the wrong file (issue 12): a file that looks like another format is refused
before parsing, by `parse`, `manage.py parse_file` and the upload; a load with 0 ok records
cannot be approved; a duplicate is said on the upload result and its override asked once."""
import subprocess
import sys

import pytest
from django.urls import reverse

from ingest import pipeline
from ingest.formats import FORMATS, FileRefused
from ingest.formats.sniff import INCODE_ADJUSTMENT, INCODE_INVOICE, WATERSMART_ADJUSTMENT, WATERSMART_INVOICE, \
    guess_shape
from ingest.lifecycle import Refused
from ingest.models import Load
from tests.support.loadkit import approve, change_url, demo, load_file, login, sample, upload  # noqa: F401

from tests.shared import REPO_ROOT
from tests.support.parsing import parse_text

WS = ("demo-watersmart", "watersmart.invoice")
INCODE_CHOICES = "choose incode.invoice.skip_landlord or incode.invoice.include_dashes"


@pytest.mark.parametrize("name,shape", [("incode_invoice.xml", INCODE_INVOICE),
                                        ("incode_adjustment.csv", INCODE_ADJUSTMENT),
                                        ("watersmart_invoice.csv", WATERSMART_INVOICE),
                                        ("watersmart_adjustment.csv", WATERSMART_ADJUSTMENT)])
def test_it_recognises_each_sample_by_its_first_lines(name, shape):
    assert guess_shape(sample(name).read_text("utf-8")[:8192]) == shape


def test_it_refuses_every_sample_under_a_format_of_another_family():
    for name in ("incode_invoice.xml", "incode_adjustment.csv", "watersmart_invoice.csv",
                 "watersmart_adjustment.csv"):
        text = sample(name).read_text("utf-8")
        for code, spec in FORMATS.items():
            same = name.startswith(f"{spec.partner}_{spec.kind}")
            if same:
                parse_text(code, text)            # accepted
                continue
            with pytest.raises(FileRefused, match=r"^this looks like .*; choose "):
                parse_text(code, text)


def test_it_refuses_a_watersmart_header_with_the_wrong_columns():
    with pytest.raises(FileRefused) as refused:
        parse_text("watersmart.invoice", "AccountNumber,Amount\n100234,5.00\n")
    assert str(refused.value) == ("the header row has 2 column(s) (AccountNumber, Amount); "
                                  "watersmart.invoice has 13 to 16")


def command(path, code):
    return subprocess.run([sys.executable, "manage.py", "parse_file", str(path), "--format", code],
                          cwd=REPO_ROOT, capture_output=True, text=True,
                          env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin"})


def test_parse_file_of_the_incode_sample_as_watersmart_exits_2_naming_the_format():
    path = sample("incode_invoice.xml")
    done = command(path, "watersmart.invoice")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"CommandError: {path}: refused: this looks like an Incode XML invoice file, not watersmart.invoice; "
        f"{INCODE_CHOICES}"]


def test_parse_file_of_the_watersmart_sample_as_incode_exits_2_naming_the_format():
    path = sample("watersmart_invoice.csv")
    done = command(path, "incode.invoice.include_dashes")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"CommandError: {path}: refused: this looks like a WaterSmart invoice CSV, not "
        "incode.invoice.include_dashes; choose watersmart.invoice"]


def test_the_upload_refuses_the_incode_xml_as_watersmart_with_the_hint(demo):
    response, load = upload(login("support"), *WS, sample("incode_invoice.xml"))
    assert response.status_code == 200 and load is None
    page = response.content.decode()
    assert "this looks like an Incode XML invoice file, not watersmart.invoice" in page
    assert INCODE_CHOICES in page


def test_the_pipeline_refuses_the_wrong_file_before_storing_it(demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("x.csv", sample("watersmart_invoice.csv").read_bytes())
    with pytest.raises(Refused, match="WaterSmart invoice CSV"):
        pipeline.upload(demo["demo-incode"], "incode.invoice.include_dashes", file, None)
    assert not Load.objects.exists()


def empty_load(tmp_path):
    """A parsed load whose every record is an error (a bad date on each row)."""
    path = tmp_path / "bad.csv"
    row = "100234,Smith,1 Oak,,Fresno,CA,93701,13/45/2025,02/05/2025,84.16,0.00,5001001,1,0,0,\n"
    path.write_text(row + row.replace("5001001", "5001002").replace("100234", "100235"))
    _, load = upload(login("support"), *WS, path)
    load.refresh_from_db()
    assert load.status == "parsed" and load.ok_count == 0 and load.error_count == 2
    return load


def test_a_load_with_no_ok_record_cannot_be_approved(demo, tmp_path):
    load = empty_load(tmp_path)
    approver = login("support2")
    page = approver.get(reverse("admin:ingest_load_approve", args=[load.pk]))
    assert page.status_code == 409
    assert "has no ok records (2 errors, 0 skipped): there is nothing to load" in page.content.decode()
    assert 'value="Approve and load"' not in page.content.decode()
    response = approve(approver, load)
    assert response.status_code == 409 and load.status == "parsed"
    with pytest.raises(Refused, match="nothing to load"):
        pipeline.approve(load, load.uploaded_by.__class__.objects.get(username="support2"), acknowledge_errors=True)
    load.refresh_from_db()
    assert load.status == "parsed" and not load.events.filter(to_status="approved").exists()


def test_the_load_page_offers_no_approve_for_a_load_without_ok_records(demo, tmp_path):
    load = empty_load(tmp_path)
    page = login("support2").get(change_url(load)).content.decode()
    assert reverse("admin:ingest_load_approve", args=[load.pk]) not in page
    assert "nothing to load" in page


def test_the_upload_result_says_the_file_was_loaded_and_the_override_is_asked_once(demo):
    first = load_file(*WS, "watersmart_invoice.csv")
    response, again = upload(login("support"), *WS, sample("watersmart_invoice.csv"), allow_duplicate=True)
    said = [str(m) for m in response.wsgi_request._messages]
    assert any(f"already loaded for {first.biller} as load {first.pk}" in m and "will not ask again" in m
               for m in said), said
    page = login("support2").get(reverse("admin:ingest_load_approve", args=[again.pk])).content.decode()
    assert 'name="allow_duplicate"' not in page
    assert "The duplicate override was given at upload" in page

    response, third = upload(login("support"), *WS, sample("watersmart_invoice.csv"))
    said = [str(m) for m in response.wsgi_request._messages]
    assert any("will ask once" in m for m in said), said
    page = login("support2").get(reverse("admin:ingest_load_approve", args=[third.pk])).content.decode()
    assert 'name="allow_duplicate"' in page
