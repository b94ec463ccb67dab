"""Biller time zones and per-format options are validated."""
import pytest
from django.core.exceptions import ValidationError

from billers.format_options import validate_options
from billers.models import Biller, BillerFileFormat, FileFormat


@pytest.mark.parametrize("zone", ["America/Chicago", "America/Los_Angeles", "UTC", "Pacific/Honolulu"])
def test_it_accepts_iana_time_zones(db, zone):
    Biller(name="B", slug="b", integration="watersmart", time_zone=zone).full_clean()


@pytest.mark.parametrize("zone", ["CST", "America/Chicag0", "", "Mars/Olympus"])
def test_it_refuses_names_that_are_not_iana_zones(db, zone):
    with pytest.raises(ValidationError) as excinfo:
        Biller(name="B", slug="b", integration="watersmart", time_zone=zone).full_clean()
    assert "time_zone" in excinfo.value.message_dict


def add_biller(client, time_zone, export_run_time):
    """POST the admin's add-biller form for 'new-utility', with empty inlines."""
    empty_inlines = {f"{prefix}-{count}": "0" for prefix in ("settings", "bif", "file_formats")
                     for count in ("TOTAL_FORMS", "INITIAL_FORMS")}
    return client.post("/admin/billers/biller/add/", {
        "name": "New Utility", "slug": "new-utility", "integration": "watersmart", "active": "on",
        "time_zone": time_zone, "export_run_time": export_run_time, **empty_inlines})


def test_the_admin_form_names_the_bad_zone(client_for):
    response = add_biller(client_for("im"), "Europe/Atlantis", "06:00")
    assert response.status_code == 200
    assert "&#x27;Europe/Atlantis&#x27; is not an IANA time zone" in response.content.decode()
    assert not Biller.objects.filter(slug="new-utility").exists()


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
    from billers.parsing import build_parse_config

    biller = Biller.objects.get(slug="demo-watersmart")
    assert build_parse_config(biller, "watersmart.invoice").invoice_type_id == 1
    BillerFileFormat.objects.filter(biller=biller, file_format__code="watersmart.invoice").update(invoice_type_id=5)
    assert build_parse_config(biller, "watersmart.invoice").invoice_type_id == 5
