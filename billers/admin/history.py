"""One page per biller with every configuration change: biller, settings, BIF, formats."""
import json

from django.template.response import TemplateResponse

from billers.models import BifCustomization, Biller, BillerFileFormat, BillerSetting
from billers.settings_schema import unused_keys

HISTORY_LIMIT = 300


def configuration_changes(biller, limit=HISTORY_LIMIT):
    """Newest first: (when, who, what, change type, [(field, old, new)]) for the biller's config."""
    sources = [
        ("biller", Biller.history.filter(id=biller.pk)),
        ("setting", BillerSetting.history.filter(biller_id=biller.pk).select_related("setting")),
        ("BIF", BifCustomization.history.filter(biller_id=biller.pk).select_related("feature")),
        ("format", BillerFileFormat.history.filter(biller_id=biller.pk).select_related("file_format")),
    ]
    entries = []
    for label, queryset in sources:
        records = list(queryset.select_related("history_user").order_by("id", "history_date", "history_id"))
        previous_by_id = {}
        for record in records:
            previous = previous_by_id.get(record.id)
            changes = []
            if previous is not None and record.history_type == "~":
                delta = record.diff_against(previous)
                changes = [(c.field, c.old, c.new) for c in delta.changes]
            previous_by_id[record.id] = record
            entries.append({
                "when": record.history_date,
                "who": record.history_user,
                "what": f"{label}: {_describe(label, record)}",
                "type": record.get_history_type_display(),
                "changes": changes,
            })
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]


def _describe(label, record):
    if label == "setting":
        if not record.setting:
            return "?"
        text = f"#{record.setting.setting_id} {record.setting.description}"
        unused = _unused_keys(record)
        return text + (f" (keys not used by the portal: {', '.join(unused)})" if unused else "")
    if label == "BIF":
        return str(record.feature) if record.feature else "?"
    if label == "format":
        return record.file_format.code if record.file_format else "?"
    return record.name


def _unused_keys(record):
    try:
        return unused_keys(record.setting.setting_id, json.loads(record.value))
    except ValueError:
        return []


def configuration_history_page(model_admin, request, biller):
    """The page of `biller`'s configuration changes (BillerAdmin.configuration_history_view
    checks the view permission first)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Configuration history: {biller}",
        "biller": biller,
        "opts": Biller._meta,
        "entries": configuration_changes(biller),
        "limit": HISTORY_LIMIT,
    }
    return TemplateResponse(request, "admin/billers/biller/configuration_history.html", context)
