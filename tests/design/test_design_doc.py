"""The technical design written by the portal from the live configuration: regenerated for
each demo biller, it holds every field of every enabled format, the #131 keys and their effect,
the BIF table, the modifications, and it follows a configuration change at once."""
import json

import pytest
from django.core.management import CommandError, call_command

from billers.models import BifCustomization, Biller, BillerFileFormat, BillerSetting
from design.diagram import mermaid, svg
from exports.writers import columns_of
from ingest.formats import FORMATS

DEMO = ["demo-watersmart", "demo-incode", "demo-incode-basic"]


def generate(tmp_path, slug, suffix):
    out = tmp_path / f"{slug}{suffix}"
    call_command("design_doc", "--biller", slug, "--out", str(out))
    return out.read_text("utf-8")


@pytest.mark.parametrize("slug", DEMO)
@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_every_field_of_every_enabled_format_appears(demo, tmp_path, slug, suffix):
    text = generate(tmp_path, slug, suffix)
    rows = list(BillerFileFormat.objects.filter(biller__slug=slug).select_related("file_format"))
    assert rows, slug
    for row in rows:
        code = row.file_format.code
        assert code in text
        if code in FORMATS:
            markers = FORMATS[code].marker_rows()
            assert markers, code
            for marker in markers:
                assert marker["field"] in text, (code, marker["field"])
                for edge in (marker["begin"], marker["end"]):
                    if edge and suffix == ".md":
                        assert edge in text, (code, edge)
        else:
            assert columns_of(code), code
            for column in columns_of(code):
                assert column.header in text, (code, column.header)


def test_the_incode_design_holds_what_formats_md_and_the_seeds_list(demo, tmp_path):
    text = generate(tmp_path, "demo-incode", ".md")
    for n in range(10, 25):
        assert f"| Custom{n} | IH |" in text
    assert "long digit line" in text
    for code in ("WATER", "KC WATER - RENT", "SERVICE/WATER BASE", "BILLING CHARGE", "STREET LIGHTS"):
        assert f"`bill code '{code}'`" in text
    for tag in ("<Usage Month=...>", "<Meter Number=...>", "<Tier Total=...>"):
        assert tag in text
    # the #131 keys with their effect and value
    assert "| `TylerIncode.InvoiceConfigs.UseBillingAddress` | boolean | `true` | incode.invoice.include_dashes puts " \
           "the billing address" in text
    assert "`TylerIncode.AdjustmentConfigs.SkipNumericCheck` | boolean | `true`" in text
    # the BIF table, with its sources and values
    assert "| LateFeeDate | Date from which a late fee applies | BIF rule | InvoiceDueDate + 1 day |" in text
    assert "| BalanceForward | Balance-forward billing | Biller questionnaire | no | yes |" in text
    for key in ("ITG-2193", "ITG-3159", "ITG-3980"):
        assert f"| {key} |" in text
    assert "| ITG-3980 | TBD |" in text and "incode.invoice.include_dashes | #131 |" in text
    for service in ("CNP_Sale", "CNP_Void"):
        assert service in text
    assert "```mermaid\nflowchart TB" in text
    for section in ("## 1. Integration overview", "## 2. Advanced settings", "## 3. BIF customizations",
                    "## 4. Inbound file formats", "## 5. Outbound file formats", "## 6. Data flows",
                    "## 7. IC web services and customer-portal redirects", "## 8. Integration modifications",
                    "## 9. Configuration change history"):
        assert section in text
    assert "Weekly/Monthly/Quarterly" in text and "StratusWebServices" in text


def test_the_watersmart_design_has_its_redirects_services_and_setting_29(demo, tmp_path):
    text = generate(tmp_path, "demo-watersmart", ".md")
    assert "### #29 RemoteAuthenticationWS - Create Customer" in text
    assert "| 11 | Customer Portal Pay By Text Enrollment |" in text
    assert "| LinkCustomerAccount |" in text and "| 15512 | COMPLETE |" in text
    assert "| 18 | CheckNumber |" in text  # watersmart.payments' last column


def test_it_follows_the_configuration_and_names_unused_131_keys_and_changes(demo, tmp_path):
    biller = Biller.objects.get(slug="demo-incode")
    row = BifCustomization.objects.get(biller=biller, feature__name="LateFeeDate")
    row.rule = "InvoiceDate + 20 days"
    row.full_clean()
    row.save()
    setting = BillerSetting.objects.get(biller=biller, setting__setting_id=131)
    setting.value = json.dumps({"TylerIncode": {"InvoiceConfigs": {"UseBillingAddress": False}}, "Other": 1})
    setting.full_clean()
    setting.save()
    text = generate(tmp_path, "demo-incode", ".md")
    assert "| LateFeeDate | Date from which a late fee applies | BIF rule | InvoiceDate + 20 days |" in text
    assert "Keys kept as written, not used by the portal: `Other`." in text
    assert "`TylerIncode.InvoiceConfigs.UseBillingAddress` | boolean | `false`" in text
    assert "BIF: LateFeeDate | Changed | rule: InvoiceDueDate + 1 day -> InvoiceDate + 20 days" in text


def test_the_html_is_self_contained_with_an_svg_diagram(demo, tmp_path):
    html = generate(tmp_path, "demo-incode", ".html")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "<script" not in html
    assert 'src="http' not in html and 'href="http' not in html


def test_without_out_it_prints_the_markdown(demo):
    import io

    out = io.StringIO()
    call_command("design_doc", "--biller", "demo-incode", stdout=out)
    assert out.getvalue().startswith("# Demo Incode Utility: Tyler Incode V10 technical design")
    assert "| ITG-3159 |" in out.getvalue()


def test_it_refuses_an_unknown_biller_or_extension(demo, tmp_path):
    with pytest.raises(CommandError, match="no biller with slug 'nope'"):
        call_command("design_doc", "--biller", "nope", "--out", str(tmp_path / "x.md"))
    with pytest.raises(CommandError, match="must end with .md or .html"):
        call_command("design_doc", "--biller", "demo-incode", "--out", str(tmp_path / "x.pdf"))


def test_the_diagram_draws_every_edge_with_its_label():
    edges = [("A (sends)", "a.file", "Portal"), ("Portal", "load", "Ledger"), ("Ledger", "run", "A (receives)")]
    drawing = svg(edges)
    assert drawing.count("<line ") == 3 and drawing.count("<rect ") == 4
    for label in ("a.file", "load", "run", "A (sends)", "A (receives)"):
        assert f">{label}</text>" in drawing
    assert mermaid(edges).splitlines()[-1] == '    n2 -->|"run"| n3'
    assert mermaid([("A", "", "B")]).splitlines()[-1] == "    n0 --> n1"


def test_the_admin_page_needs_the_view_permission_on_billers(client_for, django_user_model):
    biller = Biller.objects.get(slug="demo-incode")
    url = f"/admin/billers/biller/{biller.pk}/technical-design/"
    response = client_for("auditor").get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ITG-3980" in html and "<svg" in html and "Custom24" in html
    download = client_for("im").get(url + "?download=md")
    assert download["Content-Disposition"] == 'attachment; filename="demo-incode-technical-design.md"'
    assert download.content.decode().startswith("# Demo Incode Utility: Tyler Incode V10 technical design")
    change = client_for("im").get(f"/admin/billers/biller/{biller.pk}/change/").content.decode()
    assert f'href="{url}"' in change
    django_user_model.objects.create_user("outsider", password="x", is_staff=True)
    client = client_for("auditor")
    client.force_login(django_user_model.objects.get(username="outsider"))
    assert client.get(url).status_code == 403
