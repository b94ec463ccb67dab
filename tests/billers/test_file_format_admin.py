"""The file format page shows, read-only, the field mapping the parser itself uses."""
import pytest

from billers.models import FileFormat
from ingest.formats import get_format


def page(client, code):
    return client.get(f"/admin/billers/fileformat/{FileFormat.objects.get(code=code).pk}/change/")


@pytest.mark.parametrize("code", ["incode.invoice.skip_landlord", "incode.invoice.include_dashes"])
def test_the_incode_marker_table_is_generated_from_the_parser_declaration(client_for, code):
    response = page(client_for("auditor"), code)
    assert response.status_code == 200
    html = response.content.decode()
    rows = get_format(code).marker_rows()
    assert rows
    for row in rows:
        assert f"<td>{row['field']}</td><td>{row['filespec_id'] or ''}</td>" in html
    assert "<code>Bill_dt=</code></td><td><code>Drft_dt=</code>" in html
    assert ("<td>Custom17</td>" in html) is (code == "incode.invoice.skip_landlord")


def test_nobody_changes_a_file_format_definition(client_for):
    fmt = FileFormat.objects.get(code="watersmart.invoice")
    for username in ("support", "auditor"):
        client = client_for(username)
        assert 'name="_save"' not in page(client, fmt.code).content.decode()
        response = client.post(f"/admin/billers/fileformat/{fmt.pk}/change/", {"name": "x"})
        assert response.status_code == 403
    response = client_for("im").post(f"/admin/billers/fileformat/{fmt.pk}/change/", {
        "name": "x", "code": "y", "transfer_frequency": "Hourly"})
    assert response.status_code == 302
    fmt.refresh_from_db()
    assert (fmt.name, fmt.code, fmt.transfer_frequency) == ("WaterSmart Invoice File (.csv)", "watersmart.invoice", "Hourly")


def test_a_format_shows_the_seeds_metadata_and_the_modifications_that_changed_it(client_for):
    html = page(client_for("auditor"), "incode.invoice.include_dashes").content.decode()
    for text in ("Weekly/Monthly/Quarterly", "StratusFileProcessor", "InCode_UB_Invoice_Upload_Include_Dashes.vb",
                 "DRAFT", "ITG-2193", "ITG-3980"):
        assert text in html
    assert "ITG-3159" not in html
    fmt = FileFormat.objects.get(code="watersmart.invoice")
    assert (fmt.itr, fmt.document_status, fmt.transfer_frequency) == ("15512", "COMPLETE", "Daily")


def test_a_sample_file_is_stored_with_the_format_and_downloads_for_viewers_only(client_for, settings, tmp_path):
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    fmt = FileFormat.objects.get(code="watersmart.invoice")
    url = f"/admin/billers/fileformat/{fmt.pk}/change/"
    response = client_for("im").post(url, {"transfer_frequency": "Daily", "sample_file": SimpleUploadedFile(
        "sample.csv", b"1001,SMITH,,,,,,06/01/2024,06/30/2024,1.00,,1,1\n")})
    assert response.status_code == 302
    download = client_for("auditor").get(f"/admin/billers/fileformat/{fmt.pk}/sample/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"1001,SMITH")
    assert 'filename="sample' in download["Content-Disposition"]
    User.objects.create_user("nobody", password="x", is_staff=True)
    client = client_for("auditor")
    client.force_login(User.objects.get(username="nobody"))
    assert client.get(f"/admin/billers/fileformat/{fmt.pk}/sample/").status_code == 403


def test_an_outbound_format_says_it_has_no_inbound_mapping(client_for):
    html = page(client_for("im"), "watersmart.payments").content.decode()
    assert "No inbound field mapping (outbound format)." in html


def test_each_format_row_has_its_parsers_default_invoice_type_id(demo):
    from ingest.formats import FORMATS

    assert len(FORMATS) >= 5
    for code, spec in FORMATS.items():
        assert FileFormat.objects.get(code=code).default_invoice_type_id == spec.default_invoice_type_id, code
