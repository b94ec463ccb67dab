"""Advanced settings are validated by type; #131 against its JSON schema."""
import json

import pytest
from django.core.exceptions import ValidationError

from billers.models import AdvancedSetting, Biller, BillerSetting
from billers.settings_schema import unused_keys, validate_setting_value

VALID = {"TylerIncode": {"AdjustmentConfigs": {"SkipNumericCheck": True},
                         "InvoiceConfigs": {"UseBillingAddress": False}}}


def test_it_accepts_the_documented_131_keys():
    text = validate_setting_value(131, "json", json.dumps(VALID))
    assert json.loads(text) == VALID


def test_it_accepts_an_empty_131_configuration():
    assert json.loads(validate_setting_value(131, "json", "{}")) == {}


REAL = {"TylerIncode": {"AdjustmentConfigs": {"SkipNumericCheck": True, "TrimLeadingZeros": False},
                        "InvoiceConfigs": {"UseBillingAddress": True}, "PaymentConfigs": {"Batch": 3}},
        "Branding": {"Logo": "city.png"}}


def test_a_real_131_document_with_other_keys_saves_as_written_and_names_them():
    text = validate_setting_value(131, "json", json.dumps(REAL))
    assert json.loads(text) == REAL
    assert unused_keys(131, REAL) == ["TylerIncode.AdjustmentConfigs.TrimLeadingZeros",
                                      "TylerIncode.PaymentConfigs", "Branding"]
    assert unused_keys(131, VALID) == []


@pytest.mark.parametrize("document, expected", [
    ({"TylerIncode": {"AdjustmentConfigs": {"SkipNumericCheck": "yes"}}},
     "'TylerIncode.AdjustmentConfigs.SkipNumericCheck' must be boolean, not \"yes\""),
    ({"TylerIncode": {"InvoiceConfigs": {"UseBillingAddress": 1}}},
     "'TylerIncode.InvoiceConfigs.UseBillingAddress' must be boolean, not 1"),
    ({"TylerIncode": []}, "'TylerIncode' must be object, not []"),
    ([], "'(top level)' must be object, not []"),
])
def test_it_refuses_a_wrong_type_of_a_key_the_portal_acts_on_naming_it(document, expected):
    with pytest.raises(ValueError) as excinfo:
        validate_setting_value(131, "json", json.dumps(document))
    assert str(excinfo.value) == expected


def test_it_refuses_text_that_is_not_json():
    with pytest.raises(ValueError, match=r"not valid JSON: Expecting .* at line 1 column"):
        validate_setting_value(131, "json", '{"TylerIncode": ')


@pytest.mark.parametrize("value_type, raw, normalized", [
    ("integer", " 1 ", "1"), ("boolean", "Yes", "1"), ("boolean", "false", "0"), ("text", " x ", "x")])
def test_it_normalizes_values_by_type(value_type, raw, normalized):
    assert validate_setting_value(29, value_type, raw) == normalized


@pytest.mark.parametrize("value_type, raw, message", [
    ("integer", "one", "'one' is not a whole number"),
    ("boolean", "maybe", "'maybe' is not a boolean"),
    ("text", "  ", "a value is required"),
])
def test_it_refuses_values_of_the_wrong_type(value_type, raw, message):
    with pytest.raises(ValueError, match=message):
        validate_setting_value(29, value_type, raw)


def test_the_model_refuses_a_bad_131_with_the_message_on_the_value_field(demo):
    row = BillerSetting(biller=Biller.objects.get(slug="demo-incode-basic"),
                        setting=AdvancedSetting.objects.get(setting_id=131),
                        value='{"TylerIncode": {"Bogus": true, "InvoiceConfigs": {"UseBillingAddress": "no"}}}')
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert excinfo.value.message_dict == {
        "value": ["'TylerIncode.InvoiceConfigs.UseBillingAddress' must be boolean, not \"no\""]}


def test_an_implementation_manager_saving_a_bad_131_in_the_admin_sees_the_key(client_for):
    biller = Biller.objects.get(slug="demo-incode")
    row = BillerSetting.objects.get(biller=biller, setting__setting_id=131)
    client = client_for("im")
    response = client.post(f"/admin/billers/billersetting/{row.pk}/change/", {
        "biller": biller.pk, "setting": row.setting_id,
        "value": '{"TylerIncode": {"InvoiceConfigs": {"UseBillingAddress": "true"}}}'})
    assert response.status_code == 200
    assert "&#x27;TylerIncode.InvoiceConfigs.UseBillingAddress&#x27; must be boolean" in response.content.decode()
    row.refresh_from_db()
    assert json.loads(row.value)["TylerIncode"]["InvoiceConfigs"]["UseBillingAddress"] is True


def test_the_typed_value_of_131_is_the_parsed_document(demo):
    row = BillerSetting.objects.get(biller__slug="demo-incode", setting__setting_id=131)
    assert row.typed_value == {"TylerIncode": {"AdjustmentConfigs": {"SkipNumericCheck": True},
                                               "InvoiceConfigs": {"UseBillingAddress": True}}}


def test_a_131_document_with_extra_keys_saves_and_the_pages_name_them(client_for):
    biller = Biller.objects.get(slug="demo-incode")
    row = BillerSetting.objects.get(biller=biller, setting__setting_id=131)
    client = client_for("im")
    response = client.post(f"/admin/billers/billersetting/{row.pk}/change/", {
        "biller": biller.pk, "setting": row.setting_id, "value": json.dumps(REAL)}, follow=True)
    assert response.status_code == 200
    row.refresh_from_db()
    assert json.loads(row.value) == REAL
    unused = "TylerIncode.AdjustmentConfigs.TrimLeadingZeros, TylerIncode.PaymentConfigs, Branding"
    assert f"Kept as written, not used by the portal: {unused}" in response.content.decode()
    assert unused in client.get(f"/admin/billers/billersetting/{row.pk}/change/").content.decode()
    assert unused in client.get(f"/admin/billers/biller/{biller.pk}/change/").content.decode()
    history = client.get(f"/admin/billers/biller/{biller.pk}/configuration-history/").content.decode()
    assert f"#131 JSON Configuration (keys not used by the portal: {unused})" in history
def test_the_setting_editor_lists_the_schemas_keys_and_checks_json_as_you_type():
    from billers.admin.forms import BillerSettingForm

    html = str(BillerSettingForm()["value"])
    assert 'class="json-setting"' in html and 'rows="10"' in html
    for key in ("TylerIncode", "TylerIncode.AdjustmentConfigs.SkipNumericCheck",
                "TylerIncode.InvoiceConfigs.UseBillingAddress"):
        assert f"<code>{key}</code>" in html
    assert "JSON.parse" in html
