"""The technical design of one biller, as data: every section of the seeds' designs, read from
the live configuration and from the parsers' and writers' own declarations. Nothing in it is
typed by hand, so it is true whenever it is generated.

`technical_design(biller)` returns plain dicts and lists; `design.render` writes them as
Markdown or HTML.
"""
import json

from django.utils import timezone

from billers.history import configuration_changes
from billers.models import (BifCustomization, BillerFileFormat, BillerSetting, IntegrationModification,
                            PortalRedirect, WebService)
from billers.models.bif import BifSource
from billers.settings_schema import JSON_SCHEMAS, unused_keys, used_keys
from exports.writers import columns_of
from ingest.config import build_parse_config
from ingest.formats import FORMATS
from ingest.formats.spec import Markers


def technical_design(biller):
    enabled = list(BillerFileFormat.objects.filter(biller=biller, enabled=True)
                   .select_related("file_format").order_by("file_format__direction", "file_format__code"))
    inbound = [row for row in enabled if row.file_format.direction == "inbound"]
    outbound = [row for row in enabled if row.file_format.direction == "outbound"]
    return {
        "biller": biller,
        "generated_at": timezone.now(),
        "overview": overview(biller, enabled),
        "settings": advanced_settings(biller),
        "bif": bif_table(biller),
        "inbound": [inbound_format(biller, row) for row in inbound],
        "outbound": [outbound_format(row) for row in outbound],
        "flows": data_flows(biller, inbound, outbound),
        "web_services": list(WebService.objects.filter(integration=biller.integration).order_by("group", "name")),
        "redirects": list(PortalRedirect.objects.filter(integration=biller.integration)),
        "modifications": modifications(biller),
        "history": configuration_changes(biller),
    }


def overview(biller, enabled):
    return {
        "rows": [("Biller", biller.name), ("Slug", biller.slug), ("BillerGuid", str(biller.guid)),
                 ("Integration", biller.get_integration_display()), ("Time zone", biller.time_zone),
                 ("Active", "yes" if biller.active else "no"),
                 ("Four-eyes approval", "yes" if biller.requires_second_approver else "no"),
                 ("Daily export run", f"{biller.export_run_time:%H:%M} {biller.time_zone}")],
        "formats": [format_metadata(row) for row in enabled],
    }


def format_metadata(row):
    fmt = row.file_format
    return {
        "code": fmt.code, "name": fmt.name, "direction": fmt.get_direction_display(), "kind": fmt.kind,
        "extension": fmt.extension, "delimiter": fmt.delimiter, "naming": fmt.naming_convention or "N/A",
        "frequency": fmt.transfer_frequency or "-", "repository": fmt.repository or "-",
        "class_name": fmt.class_name or "-", "itr": fmt.itr or "-", "status": fmt.document_status or "-",
        "owner": fmt.document_owner or "-", "sample": fmt.sample_file.name.rsplit("/", 1)[-1] if fmt.sample_file
        else (fmt.sample_link or "-"),
        "invoice_type_id": row.effective_invoice_type_id, "options": json.dumps(row.options or {}),
    }


def advanced_settings(biller):
    rows = []
    for row in BillerSetting.objects.filter(biller=biller).select_related("setting"):
        setting = row.setting
        entry = {"id": setting.setting_id, "description": setting.description, "details": setting.details,
                 "value": row.value, "type": setting.get_value_type_display(), "keys": [], "unused": []}
        if setting.setting_id in JSON_SCHEMAS:
            document = row.typed_value
            entry["keys"] = [{"key": key, "type": kind, "effect": effect, "value": json.dumps(_dig(document, key))}
                             for key, kind, effect in used_keys(setting.setting_id)]
            entry["unused"] = unused_keys(setting.setting_id, document)
        rows.append(entry)
    return rows


def _dig(document, dotted):
    value = document
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def bif_table(biller):
    rows = []
    for row in BifCustomization.objects.filter(biller=biller).select_related("feature").order_by("feature__name"):
        if row.source == BifSource.RULE:
            value = row.rule
        elif row.source == BifSource.INVOICE_FILE:
            value = "from the invoice file"
        else:
            value = row.value or ("(not answered)" if row.source != BifSource.NOT_APPLICABLE else "")
        rows.append({"feature": row.feature.name, "description": row.feature.description,
                     "source": row.get_source_display(), "value": value,
                     "required": "yes" if row.is_required else ""})
    return rows


def inbound_format(biller, row):
    """The field table of the parser's declaration, marked with what applies to this biller."""
    code = row.file_format.code
    spec = FORMATS[code]
    config = build_parse_config(biller, code)
    applied = {(f.record, f.name, f.source.begin) for kind in ("FH", "AH", "IH", "CR", "ID", "AR")
               for f in spec.table(kind, config)}
    fields = []
    for field, marker in zip(spec.fields, spec.marker_rows()):
        fields.append({**marker, "filespec_id": marker["filespec_id"] or "",
                       "applies": "yes" if (field.record, field.name, field.source.begin) in applied else "no",
                       "value": _bif_value(config, field.name)})
    return {"code": code, "name": spec.name, "kind": spec.kind,
            "markers": any(isinstance(f.source, Markers) for f in spec.fields), "fields": fields,
            "effects": format_effects(config, spec), "metadata": format_metadata(row)}


def _bif_value(config, name):
    return next((str(item) for item in config.bif or () if item.field == name), "")


def format_effects(config, spec):
    """The biller's settings as this parse applies them (#131 flags, InvoiceTypeID, options)."""
    effects = []
    if spec.default_invoice_type_id is not None:
        effects.append(("InvoiceTypeID", str(config.invoice_type_id)))
    if config.invoice_format_guid and spec.kind == "invoice":
        effects.append(("InvoiceFormatGuid", config.invoice_format_guid))
    flags = {f.when[0] for f in spec.fields if f.when} | (
        {"skip_numeric_check"} if spec.kind == "adjustment" and spec.partner == "incode" else set())
    for flag in sorted(flags):
        effects.append((f"#131 {flag}", "on" if getattr(config, flag) else "off"))
    if spec.code == "incode.invoice.skip_landlord":
        effects.append(("landlord marker", config.landlord_marker))
    return effects


def outbound_format(row):
    code = row.file_format.code
    return {"code": code, "name": row.file_format.name, "metadata": format_metadata(row),
            "columns": [{"position": n, "header": column.header, "max_length": column.max_length or ""}
                        for n, column in enumerate(columns_of(code), start=1)]}


def data_flows(biller, inbound, outbound):
    """(from, label, to) edges of the biller's data flows, for the diagram: each enabled
    format is a node between the partner and the portal."""
    partner = biller.get_integration_display()
    sender, receiver = f"{partner} (sends files)", f"{partner} (receives files)"
    parse, ledger = "Portal: upload, parse, preview", "Ledger: accounts, invoices, balances"
    export = "Portal: daily export run"
    edges = []
    for row in inbound:
        edges += [(sender, "", row.file_format.code), (row.file_format.code, "upload", parse)]
    if inbound:
        edges += [(parse, "IC standard file", "IC import"), (parse, "approve and load", ledger)]
    if outbound:
        edges += [("IC payments and activity", "import_activity", ledger), (ledger, "business day", export)]
    for row in outbound:
        edges += [(export, "", f"{row.file_format.code} (out)"), (f"{row.file_format.code} (out)", "", receiver)]
    return edges


def modifications(biller):
    rows = []
    for mod in IntegrationModification.objects.filter(integration=biller.integration).prefetch_related(
            "file_formats", "settings"):
        history = [{"when": h.history_date, "who": getattr(h.history_user, "username", "") or "system",
                    "type": h.get_history_type_display()} for h in mod.history.order_by("history_date")]
        rows.append({"key": mod.jira_key, "released": mod.released, "previous": mod.previous_behaviour,
                     "desired": mod.desired_behaviour, "solution": mod.business_case,
                     "formats": [f.code for f in mod.file_formats.all()],
                     "settings": [f"#{s.setting_id}" for s in mod.settings.all()], "history": history})
    return rows
