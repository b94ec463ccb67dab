"""The biller's configuration as the parsers see it (ingest.formats.ParseConfig)."""
from billers.format_options import DEFAULT_LANDLORD_MARKER
from billers.models import BifCustomization, BillerFileFormat, BillerSetting
from billers.settings_schema import JSON_CONFIGURATION


def json_configuration(biller):
    """The biller's #131 JSON configuration as a dict ({} when not set)."""
    row = BillerSetting.objects.filter(biller=biller, setting__setting_id=JSON_CONFIGURATION).first()
    return row.typed_value if row else {}


def late_fee_rule(biller):
    row = BifCustomization.objects.filter(biller=biller, feature__name="LateFeeDate", source="rule").first()
    return row.parsed_rule if row else None


def build_parse_config(biller, code):
    from ingest.formats import ParseConfig

    enabled = (BillerFileFormat.objects.select_related("file_format")
               .filter(biller=biller, file_format__code=code).first())
    options = {}
    invoice_type_id = None
    invoice_format_guid = None
    if enabled is not None:
        options = enabled.options or {}
        invoice_type_id = enabled.effective_invoice_type_id
        invoice_format_guid = enabled.invoice_format_guid
    if invoice_format_guid is None:
        bif = BifCustomization.objects.filter(biller=biller, feature__name="InvoiceFormatGuid",
                                              source__in=["questionnaire", "required"]).first()
        invoice_format_guid = bif.value if bif else None
    tyler = json_configuration(biller).get("TylerIncode", {})
    rule = late_fee_rule(biller)
    return ParseConfig(
        biller_slug=biller.slug,
        biller_guid=str(biller.guid),
        invoice_type_id=invoice_type_id,
        invoice_format_guid=str(invoice_format_guid) if invoice_format_guid else None,
        skip_numeric_check=bool(tyler.get("AdjustmentConfigs", {}).get("SkipNumericCheck", False)),
        use_billing_address=bool(tyler.get("InvoiceConfigs", {}).get("UseBillingAddress", False)),
        landlord_marker=options.get("landlord_marker", DEFAULT_LANDLORD_MARKER),
        late_fee_days=rule.days if rule and rule.field == "InvoiceDueDate" else 1,
    )
