"""Admin for reference data: file formats (with the parser's marker table), modification
log, IC web services, customer-portal redirects."""
from django.contrib import admin
from django.utils.html import format_html_join, mark_safe
from simple_history.admin import SimpleHistoryAdmin

from billers.models import FileFormat, IntegrationModification, PortalRedirect, WebService


class NoAddDeleteMixin:
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FileFormat)
class FileFormatAdmin(NoAddDeleteMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "integration", "direction", "kind", "extension", "delimiter",
                    "naming_convention", "default_invoice_type_id"]
    list_filter = ["integration", "direction", "kind"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "integration", "direction", "kind", "extension", "delimiter",
              "naming_convention", "default_invoice_type_id", "field_mapping"]
    readonly_fields = fields

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="field mapping (what the parser reads)")
    def field_mapping(self, obj):
        rows = marker_rows(obj.code)
        if not rows:
            return "No inbound field mapping (outbound format)." if obj.direction == "outbound" else "-"
        header = mark_safe("<tr><th>Field</th><th>FileSpecID</th><th>Record</th>"
                           "<th>Begin marker / source</th><th>End marker</th><th>Rule</th></tr>")
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            ((r.get("field", ""), r.get("filespec_id") or "", r.get("record", ""), r.get("begin") or "",
              r.get("end") or "", r.get("rule") or "") for r in rows))
        return mark_safe('<table class="marker-table">') + header + body + mark_safe("</table>")


def marker_rows(code):
    """The parser's own declaration of a format, or [] for formats without one."""
    try:
        from ingest.formats import FORMATS
    except ImportError:
        return []
    spec = FORMATS.get(code)
    return spec.marker_rows() if spec is not None else []


@admin.register(IntegrationModification)
class IntegrationModificationAdmin(SimpleHistoryAdmin):
    list_display = ["jira_key", "integration", "released", "previous_behaviour", "desired_behaviour"]
    list_filter = ["integration", ("release_date", admin.EmptyFieldListFilter)]
    search_fields = ["jira_key", "previous_behaviour", "desired_behaviour", "business_case"]

    @admin.display(description="date released", ordering="release_date")
    def released(self, obj):
        return obj.released


@admin.register(WebService)
class WebServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "integration", "purpose"]
    list_filter = ["integration", "group"]
    search_fields = ["name", "purpose"]


@admin.register(PortalRedirect)
class PortalRedirectAdmin(admin.ModelAdmin):
    list_display = ["code", "destination", "integration"]
    list_filter = ["integration"]
    search_fields = ["code", "destination"]
