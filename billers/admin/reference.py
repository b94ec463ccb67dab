"""Admin for reference data: file formats (with the parser's marker table), modification
log, IC web services, customer-portal redirects."""
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join, mark_safe
from simple_history.admin import SimpleHistoryAdmin

from billers.catalog import field_mapping
from billers.models import FileFormat, IntegrationModification, PortalRedirect, WebService


class NoAddDeleteMixin:
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


DEFINITION = ["code", "name", "integration", "direction", "kind", "extension", "delimiter",
              "naming_convention", "default_invoice_type_id", "retired"]
METADATA = ["transfer_frequency", "repository", "class_name", "itr", "document_status", "document_owner",
            "sample_link", "sample_file"]


@admin.register(FileFormat)
class FileFormatAdmin(NoAddDeleteMixin, SimpleHistoryAdmin):
    """The definition (code, name, ...) and the field mapping are the parser's or writer's
    (billers.catalog builds the rows from their declarations) and read-only;
    the seeds' metadata (transfer frequency, Stratus repository and class, ITR, document
    status and owner, the sample file) is kept here by implementation managers."""
    list_display = ["code", "name", "integration", "direction", "kind", "transfer_frequency", "itr",
                    "document_status", "sample_download"]
    list_filter = ["integration", "direction", "kind", "document_status", "retired"]
    search_fields = ["code", "name", "class_name"]
    fieldsets = [
        (None, {"fields": DEFINITION}),
        ("From the technical design", {"fields": METADATA + ["sample_download"]}),
        ("Integration modifications", {"fields": ["modification_links"]}),
        ("Field mapping", {"fields": ["field_mapping"]}),
    ]
    readonly_fields = DEFINITION + ["sample_download", "modification_links", "field_mapping"]

    @admin.display(description="sample file")
    def sample_download(self, obj):
        if not obj.sample_file:
            return "-"
        url = reverse("admin:billers_fileformat_sample", args=[obj.pk])
        return format_html('<a href="{}">download {}</a>', url, obj.sample_file.name.rsplit("/", 1)[-1])

    @admin.display(description="changed by")
    def modification_links(self, obj):
        rows = [(reverse("admin:billers_integrationmodification_change", args=[m.pk]), m.jira_key,
                 m.released, m.desired_behaviour) for m in obj.modifications.all()]
        if not rows:
            return "-"
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a> ({}): {}', rows)

    def get_urls(self):
        return [path("<int:object_id>/sample/", self.admin_site.admin_view(self.sample_view),
                     name="billers_fileformat_sample")] + super().get_urls()

    def sample_view(self, request, object_id):
        fmt = FileFormat.objects.filter(pk=object_id).first()
        if fmt is None or not fmt.sample_file:
            raise Http404("no sample file")
        if not self.has_view_or_change_permission(request, fmt):
            raise PermissionDenied
        response = FileResponse(fmt.sample_file.open("rb"), as_attachment=True,
                                filename=fmt.sample_file.name.rsplit("/", 1)[-1],
                                content_type="application/octet-stream")
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.display(description="field mapping (what the parser reads)")
    def field_mapping(self, obj):
        rows = field_mapping(obj.code, obj.direction)
        if not rows:
            return "No inbound field mapping (outbound format)." if obj.direction == "outbound" else "-"
        header = mark_safe("<tr><th>Field</th><th>FileSpecID</th><th>Record</th>"
                           "<th>Begin marker / source</th><th>End marker</th><th>Rule</th></tr>")
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            ((r.get("field", ""), r.get("filespec_id") or "", r.get("record", ""), r.get("begin") or "",
              r.get("end") or "", r.get("rule") or "") for r in rows))
        return mark_safe('<table class="marker-table">') + header + body + mark_safe("</table>")


@admin.register(IntegrationModification)
class IntegrationModificationAdmin(SimpleHistoryAdmin):
    list_display = ["jira_key", "integration", "released", "previous_behaviour", "desired_behaviour",
                    "changed"]
    list_filter = ["integration", ("release_date", admin.EmptyFieldListFilter), "file_formats", "settings"]
    filter_horizontal = ["file_formats", "settings"]

    @admin.display(description="formats and settings changed")
    def changed(self, obj):
        return ", ".join([f.code for f in obj.file_formats.all()]
                         + [f"#{s.setting_id}" for s in obj.settings.all()]) or "-"
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
