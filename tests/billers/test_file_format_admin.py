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
    for row in get_format(code).marker_rows():
        assert f"<td>{row['field']}</td><td>{row['filespec_id'] or ''}</td>" in html
    assert "<code>Bill_dt=</code></td><td><code>Drft_dt=</code>" in html
    assert ("<td>Custom17</td>" in html) is (code == "incode.invoice.skip_landlord")


def test_nobody_changes_a_file_format_definition(client_for):
    fmt = FileFormat.objects.get(code="watersmart.invoice")
    for username in ("im", "support", "auditor"):
        client = client_for(username)
        assert 'name="_save"' not in page(client, fmt.code).content.decode()
        response = client.post(f"/admin/billers/fileformat/{fmt.pk}/change/", {"name": "x"})
        assert response.status_code == 403
    fmt.refresh_from_db()
    assert fmt.name == "WaterSmart Invoice File (.csv)"


def test_an_outbound_format_says_it_has_no_inbound_mapping(client_for):
    html = page(client_for("im"), "watersmart.payments").content.decode()
    assert "No inbound field mapping (outbound format)." in html


def test_the_parsers_and_the_reference_data_agree_on_each_default_invoice_type_id(demo):
    from ingest.formats import FORMATS

    for code, spec in FORMATS.items():
        assert FileFormat.objects.get(code=code).default_invoice_type_id == spec.default_invoice_type_id, code
