"""BIF rules are parsed into data (never evaluated) and applied by date arithmetic."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from billers.bif_rules import DateRule, RuleError, parse_rule
from billers.models import BifCustomization, BifFeature, Biller


@pytest.mark.parametrize("text, rule", [
    ("InvoiceDueDate + 1 day", DateRule("InvoiceDueDate", 1)),
    ("invoiceduedate+1day", DateRule("InvoiceDueDate", 1)),
    ("InvoiceDate - 5 days", DateRule("InvoiceDate", -5)),
    ("  InvoiceDueDate  ", DateRule("InvoiceDueDate", 0)),
    ('DateAdd(DateInterval.Day, 1, CDate(row("DUEDATE")))', DateRule("InvoiceDueDate", 1)),
    ('DateAdd(DateInterval.Day, -3, CDate(row("BILLDATE")))', DateRule("InvoiceDate", -3)),
])
def test_it_parses_rules(text, rule):
    assert parse_rule(text) == rule


@pytest.mark.parametrize("rule, text", [
    (DateRule("InvoiceDueDate", 1), "InvoiceDueDate + 1 day"),
    (DateRule("InvoiceDate", -5), "InvoiceDate - 5 days"),
    (DateRule("InvoiceDueDate", 0), "InvoiceDueDate"),
])
def test_it_renders_the_canonical_form(rule, text):
    assert str(rule) == text
    assert parse_rule(text) == rule


@pytest.mark.parametrize("text, message", [
    ("", "a rule is required"),
    ("InvoiceDueDate + 1 week", "is not a rule"),
    ("__import__('os').system('true')", "is not a rule"),
    ("DueDate + 1 day", "unknown field 'DueDate'"),
    ("InvoiceDueDate + 99999 days", "is not a rule"),
    ('DateAdd(DateInterval.Day, 1, CDate(row("PAIDDATE")))', "unknown column 'PAIDDATE'"),
])
def test_it_refuses_anything_else_saying_why(text, message):
    with pytest.raises(RuleError, match=message):
        parse_rule(text)


def test_the_incode_late_fee_rule_gives_the_day_after_the_due_date():
    rule = parse_rule("InvoiceDueDate + 1 day")
    assert rule.apply({"InvoiceDueDate": datetime.date(2021, 7, 15)}) == datetime.date(2021, 7, 16)
    assert rule.apply({"InvoiceDueDate": datetime.date(2024, 2, 28)}) == datetime.date(2024, 2, 29)
    assert rule.apply({"InvoiceDueDate": None}) is None


@pytest.fixture
def biller(demo):
    return Biller.objects.get(slug="demo-watersmart")


def customization(biller, feature, **fields):
    BifCustomization.objects.filter(biller=biller, feature__name=feature).delete()
    return BifCustomization(biller=biller, feature=BifFeature.objects.get(name=feature), **fields)


@pytest.mark.parametrize("feature, value, normalized", [
    ("AllowPartialPayments", "Y", "yes"),
    ("MinimumAmountDue", "$5", "5.00"),
    ("FirstNotifyRequestedDate", "-10", "-10"),
    ("InvoiceFormatGuid", "2278E126-27DC-36C8-AEF9-A32D91BC7AD7", "2278e126-27dc-36c8-aef9-a32d91bc7ad7"),
])
def test_questionnaire_values_are_validated_by_feature(biller, feature, value, normalized):
    row = customization(biller, feature, source="questionnaire", value=value)
    row.full_clean()
    assert row.value == normalized


@pytest.mark.parametrize("feature, value, message", [
    ("AllowPartialPayments", "sometimes", "'sometimes' must be yes or no"),
    ("MinimumAmountDue", "5.555", "at most two decimals"),
    ("FirstNotifyRequestedDate", "ten", "'ten' is not a whole number of days"),
])
def test_bad_questionnaire_values_are_refused(biller, feature, value, message):
    row = customization(biller, feature, source="questionnaire", value=value)
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert message in excinfo.value.message_dict["value"][0]


def test_a_rule_is_stored_in_canonical_form(biller):
    row = customization(biller, "LateFeeDate", source="rule", rule="invoiceduedate + 2 days")
    row.full_clean()
    assert row.rule == "InvoiceDueDate + 2 days"


def test_a_rule_on_a_feature_that_is_not_a_date_is_refused(biller):
    row = customization(biller, "MinimumAmountDue", source="rule", rule="InvoiceDueDate + 1 day")
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert "not a date a rule can compute" in excinfo.value.message_dict["source"][0]


def test_na_rows_carry_no_value(biller):
    row = customization(biller, "AchServiceFee", source="na", value="1.00")
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert "no value when the source is N/A" in excinfo.value.message_dict["value"][0]


def test_an_unanswered_questionnaire_row_saves_and_applies_nothing(biller):
    row = customization(biller, "MinimumAmountDue", source="questionnaire", value="  ")
    row.full_clean()
    assert row.value == "" and not row.has_value


def test_a_rule_naming_an_unknown_field_is_refused_at_save_naming_it(biller):
    row = customization(biller, "LateFeeDate", source="rule", rule="BillDate + 20 days")
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert excinfo.value.message_dict["rule"] == [
        "unknown field 'BillDate' (known: InvoiceDate, InvoiceDueDate)"]


def test_an_invoice_file_source_the_files_do_not_carry_is_refused(biller):
    row = customization(biller, "LateFeeDate", source="invoice_file")
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert "the WaterSmart invoice files do not carry LateFeeDate" in excinfo.value.message_dict["source"][0]
    incode = Biller.objects.get(slug="demo-incode")
    customization(incode, "LateFeeDate", source="invoice_file").full_clean()  # Incode reads Pen_dt


def test_the_invoice_dates_come_from_the_file_only(biller):
    row = customization(biller, "InvoiceDueDate", source="rule", rule="InvoiceDate + 20 days")
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert excinfo.value.message_dict["source"] == ["InvoiceDueDate comes from the invoice file"]


def test_the_file_features_agree_with_the_parsers_declarations():
    from billers.reference_data import BIF_FEATURES, FILE_FEATURES
    from ingest.formats import FORMATS

    features = {row[0] for row in BIF_FEATURES}
    assert FILE_FEATURES.keys() == {"incode", "watersmart"}
    for integration, carried in FILE_FEATURES.items():
        read = {f.name for spec in FORMATS.values() if spec.partner == integration and spec.kind == "invoice"
                for f in spec.fields if f.record == "IH" and f.kind == "file"}
        assert set(carried) == read & features, integration


def test_a_required_feature_of_an_active_biller_cannot_lose_its_value_anywhere(biller):
    row = customization(biller, "BalanceForward", source="required", value="")
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert excinfo.value.message_dict["value"] == ["BalanceForward is required while the biller is active"]
    biller.active = False
    row.full_clean()  # an inactive biller may leave it unanswered
