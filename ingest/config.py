"""The biller's configuration as the parsers see it: ingest.formats.ParseConfig built from the
biller's settings, BIF table and enabled formats (billers holds them; ingest reads them)."""
from decimal import Decimal

from billers.format_options import DEFAULT_LANDLORD_MARKER
from billers.models import BifCustomization, BillerFileFormat, BillerSetting
from billers.models.bif import BifSource, ValueKind
from billers.settings_schema import JSON_CONFIGURATION
from ingest.formats import ParseConfig
from ingest.formats.bif import BIF_FIELDS, BifValue


def json_configuration(biller):
    """The biller's #131 JSON configuration as a dict ({} when not set)."""
    row = BillerSetting.objects.filter(biller=biller, setting__setting_id=JSON_CONFIGURATION).first()
    return row.typed_value if row else {}


def bif_answers(biller):
    """{feature name: answer} of the biller's questionnaire values."""
    return {row.feature.name: row.value for row in BifCustomization.objects.select_related("feature").filter(
        biller=biller, source__in=[BifSource.QUESTIONNAIRE, BifSource.REQUIRED]).exclude(value="")}


def bif_values(biller):
    """The biller's BIF table as the parser applies it: one BifValue per feature with a
    questionnaire value or a rule (a day offset is a rule on InvoiceDueDate)."""
    values = []
    rows = BifCustomization.objects.select_related("feature").filter(biller=biller).order_by("feature__name")
    for row in rows:
        name, kind = row.feature.name, row.feature.value_kind
        if name not in BIF_FIELDS or not row.has_value or row.source == BifSource.INVOICE_FILE:
            continue
        if row.source == BifSource.RULE:
            rule = row.parsed_rule
            values.append(BifValue(name, base=rule.field, days=rule.days))
        elif kind == ValueKind.DAY_OFFSET:
            values.append(BifValue(name, base="InvoiceDueDate", days=int(row.value)))
        elif kind == ValueKind.AMOUNT:
            values.append(BifValue(name, Decimal(row.value)))
        elif kind == ValueKind.YES_NO:
            values.append(BifValue(name, row.value == "yes"))
        else:
            values.append(BifValue(name, row.value))
    return tuple(values)


def build_parse_config(biller, code):
    enabled = (BillerFileFormat.objects.select_related("file_format")
               .filter(biller=biller, file_format__code=code).first())
    options = {}
    invoice_type_id = None
    invoice_format_guid = None
    answers = bif_answers(biller)
    if enabled is not None:
        options = enabled.options or {}
        invoice_type_id = enabled.invoice_type_id or (
            int(answers["InvoiceTypeID"]) if "InvoiceTypeID" in answers else enabled.effective_invoice_type_id)
        invoice_format_guid = enabled.invoice_format_guid
    if invoice_format_guid is None:
        invoice_format_guid = answers.get("InvoiceFormatGuid")
    tyler = json_configuration(biller).get("TylerIncode", {})
    return ParseConfig(
        biller_slug=biller.slug,
        biller_guid=str(biller.guid),
        invoice_type_id=invoice_type_id,
        invoice_format_guid=str(invoice_format_guid) if invoice_format_guid else None,
        skip_numeric_check=bool(tyler.get("AdjustmentConfigs", {}).get("SkipNumericCheck", False)),
        use_billing_address=bool(tyler.get("InvoiceConfigs", {}).get("UseBillingAddress", False)),
        landlord_marker=options.get("landlord_marker", DEFAULT_LANDLORD_MARKER),
        bif=bif_values(biller),
    )
