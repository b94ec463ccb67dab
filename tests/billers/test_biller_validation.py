"""Biller time zones and per-format options are validated."""
import pytest
from django.core.exceptions import ValidationError

from billers.format_options import validate_options
from billers.models import BifFeature, Biller, BillerFileFormat, FileFormat
from billers.reference_data import BIF_TEMPLATES


@pytest.mark.parametrize("zone", ["America/Chicago", "America/Los_Angeles", "UTC", "Pacific/Honolulu"])
def test_it_accepts_iana_time_zones(db, zone):
    Biller(name="B", slug="b", integration="watersmart", time_zone=zone).full_clean()


@pytest.mark.parametrize("zone", ["CST", "America/Chicag0", "", "Mars/Olympus"])
def test_it_refuses_names_that_are_not_iana_zones(db, zone):
    with pytest.raises(ValidationError) as excinfo:
        Biller(name="B", slug="b", integration="watersmart", time_zone=zone).full_clean()
    assert "time_zone" in excinfo.value.message_dict


def add_biller(client, time_zone, export_run_time, integration="watersmart", active=False, bif=()):
    """POST the admin's add-biller form for 'new-utility'; `bif` rows are (feature, source, value)."""
    inlines = {f"{prefix}-{count}": "0" for prefix in ("settings", "bif", "file_formats")
               for count in ("TOTAL_FORMS", "INITIAL_FORMS")}
    inlines["bif-TOTAL_FORMS"] = str(len(bif))
    for n, (feature, source, value) in enumerate(bif):
        inlines.update({f"bif-{n}-feature": BifFeature.objects.get(name=feature).pk,
                        f"bif-{n}-source": source, f"bif-{n}-value": value, f"bif-{n}-rule": ""})
    return client.post("/admin/billers/biller/add/", {
        "name": "New Utility", "slug": "new-utility", "integration": integration,
        **({"active": "on"} if active else {}),
        "time_zone": time_zone, "export_run_time": export_run_time, **inlines})


def test_the_admin_form_names_the_bad_zone(client_for):
    response = add_biller(client_for("im"), "Europe/Atlantis", "06:00")
    assert response.status_code == 200
    assert "&#x27;Europe/Atlantis&#x27; is not an IANA time zone" in response.content.decode()
    assert not Biller.objects.filter(slug="new-utility").exists()


def test_a_new_incode_biller_starts_with_the_incode_bif_table(client_for):
    response = add_biller(client_for("im"), "America/Chicago", "06:00", integration="incode")
    assert response.status_code == 302, response.content.decode()[:2000]
    biller = Biller.objects.get(slug="new-utility")
    rows = {row.feature.name: (row.source, row.value, row.rule) for row in biller.bif.select_related("feature")}
    assert set(rows) == set(BIF_TEMPLATES["incode"]) and len(rows) == 19
    assert rows["LateFeeDate"] == ("rule", "", "InvoiceDueDate + 1 day")
    assert rows["InvoiceFormatGuid"] == ("questionnaire", "", "")
    assert rows["BalanceForward"] == ("questionnaire", "", "")


def test_the_add_page_shows_the_template_of_the_chosen_integration(client_for):
    html = client_for("im").get("/admin/billers/biller/add/?integration=incode").content.decode()
    assert 'name="bif-TOTAL_FORMS" value="19"' in html
    assert 'DateAdd(DateInterval.Day, 1, CDate(row(&quot;DUEDATE&quot;)))' in html


def test_saving_a_biller_active_without_balance_forward_is_refused_naming_it(client_for):
    client = client_for("im")
    response = add_biller(client, "America/Chicago", "06:00", integration="incode", active=True)
    assert response.status_code == 200
    assert "BalanceForward is required: give it a value before the biller is active" in response.content.decode()
    assert not Biller.objects.filter(slug="new-utility").exists()
    response = add_biller(client, "America/Chicago", "06:00", integration="incode", active=True,
                          bif=[("BalanceForward", "questionnaire", "no")])
    assert response.status_code == 302, response.content.decode()[:3000]
    biller = Biller.objects.get(slug="new-utility")
    assert biller.active and biller.bif.get(feature__name="BalanceForward").value == "no"
    assert biller.bif.count() == 19


def test_an_active_biller_cannot_lose_its_balance_forward_value(client_for):
    biller = Biller.objects.get(slug="demo-incode")
    client = client_for("im")
    page = client.get(f"/admin/billers/biller/{biller.pk}/change/")
    data = form_data(page)
    row = next(k for k, v in data.items() if k.startswith("bif-") and k.endswith("-feature")
               and v == str(BifFeature.objects.get(name="BalanceForward").pk))
    data[row.replace("-feature", "-value")] = ""
    response = client.post(f"/admin/billers/biller/{biller.pk}/change/", data)
    assert response.status_code == 200
    assert "BalanceForward is required" in response.content.decode()
    assert biller.bif.get(feature__name="BalanceForward").value == "no"


def form_data(response):
    """The values of the change form's inputs, selects and textareas (as a browser posts them)."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(response.content)
    form = tree.xpath("//form[@id='biller_form']")[0]
    return {name: value for name, value in form.form_values()}


def test_an_implementation_manager_adds_a_biller_in_the_admin(client_for):
    response = add_biller(client_for("im"), "America/Denver", "05:30")
    assert response.status_code == 302, response.content.decode()[:2000]
    biller = Biller.objects.get(slug="new-utility")
    assert biller.time_zone == "America/Denver"
    assert biller.history.first().history_user.username == "im"


@pytest.mark.parametrize("code, options, message", [
    ("watersmart.payments", {"split": "yes"}, "option 'split' must be true or false"),
    ("watersmart.payments", {"landlord_marker": "x"}, "unknown option 'landlord_marker' for watersmart.payments"),
    ("incode.invoice.skip_landlord", {"landlord_marker": " "}, "option 'landlord_marker' must be non-empty"),
    ("watersmart.invoice", {"split": True}, "unknown option 'split' for watersmart.invoice (options of this format: none)"),
    ("watersmart.payments", ["split"], "options must be a JSON object"),
])
def test_format_options_are_validated_per_format(code, options, message):
    with pytest.raises(ValueError) as excinfo:
        validate_options(code, options)
    assert message in str(excinfo.value)


def test_format_options_get_their_defaults():
    assert validate_options("watersmart.payments", {}) == {"split": False}
    assert validate_options("incode.invoice.skip_landlord", None) == {"landlord_marker": 'Landlord="Y"'}


def test_a_biller_cannot_enable_another_integrations_format(demo):
    row = BillerFileFormat(biller=Biller.objects.get(slug="demo-watersmart"),
                           file_format=FileFormat.objects.get(code="incode.adjustment"), options={})
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert "is a Tyler Incode V10 format; this biller uses WaterSmart" in excinfo.value.message_dict["file_format"][0]


def test_the_effective_invoice_type_id_is_the_override_or_the_default(demo):
    row = BillerFileFormat.objects.get(biller__slug="demo-incode", file_format__code="incode.invoice.include_dashes")
    assert row.effective_invoice_type_id == 42
    row.invoice_type_id = 7
    assert row.effective_invoice_type_id == 7


def test_the_parse_configuration_carries_the_effective_invoice_type_id(demo):
    from ingest.config import build_parse_config

    biller = Biller.objects.get(slug="demo-watersmart")
    assert build_parse_config(biller, "watersmart.invoice").invoice_type_id == 1
    BillerFileFormat.objects.filter(biller=biller, file_format__code="watersmart.invoice").update(invoice_type_id=5)
    assert build_parse_config(biller, "watersmart.invoice").invoice_type_id == 5


def test_the_parse_configuration_carries_the_bif_table_as_written(demo):
    from decimal import Decimal

    from billers.models import BifCustomization
    from ingest.config import build_parse_config
    from ingest.formats.bif import BifValue

    biller = Biller.objects.get(slug="demo-watersmart")
    config = build_parse_config(biller, "watersmart.invoice")
    bif = {item.field: item for item in config.bif}
    assert bif["MinimumAmountDue"] == BifValue("MinimumAmountDue", Decimal("5.00"))
    assert bif["BalanceForward"] == BifValue("BalanceForward", True)
    assert bif["FirstNotifyRequestedDate"] == BifValue("FirstNotifyRequestedDate", base="InvoiceDueDate", days=-10)
    assert "LateFeeDate" not in bif and "InvoiceTypeID" not in bif  # N/A; read from the file
    incode = Biller.objects.get(slug="demo-incode-basic")
    row = BifCustomization.objects.get(biller=incode, feature__name="InvoiceTypeID")
    row.source, row.value = "questionnaire", "43"
    row.full_clean()
    row.save()
    assert build_parse_config(incode, "incode.invoice.skip_landlord").invoice_type_id == 43
    assert {item.field: str(item) for item in build_parse_config(incode, "incode.adjustment").bif}["LateFeeDate"] \
        == "InvoiceDueDate + 1 day"
