"""Loads in the admin: the history list (filters, search, CSV/XLSX export), the read-only
load page with the preview, and the workflow pages. Loads change only through the
lifecycle (`ingest.pipeline`), never through the standard add/change/delete forms.
"""
from django.contrib import admin
from django.urls import path, reverse
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from icportal.admin_helpers import ExportFiltersMixin, ReadOnlyMixin, biller_time, username
from ingest import pipeline
from ingest.admin import downloads, views
from ingest.admin.preview import preview_context
from ingest.admin.resources import LoadResource
from ingest.models import LoadEvent, LoadStatus, StagedRecord
from ingest.waiting import queue_problem


class LoadEventInline(ReadOnlyMixin, admin.TabularInline):
    model = LoadEvent
    fields = ("at", "who", "from_status", "to_status", "note")
    readonly_fields = fields
    extra = 0

    @admin.display(description="user")
    def who(self, event):
        """The username as text (auditors may not open user records)."""
        return event.user.username if event.user_id else "system"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class LoadAdmin(ExportFiltersMixin, ExportMixin, admin.ModelAdmin):
    resource_classes = [LoadResource]
    export_formats = [CSV, XLSX]
    export_form_class = ExportForm
    import_export_change_list_template = "admin/ingest/load/change_list.html"
    change_form_template = "admin/ingest/load/change_form.html"
    object_history_template = "admin/ingest/load/object_history.html"
    list_display = ("id", "original_name", "biller", "file_format", "status", "ok_count", "error_count",
                    "total_amount", "created_at_local")
    list_display_links = ("id", "original_name")
    list_filter = ("status", ("biller", admin.RelatedOnlyFieldListFilter),
                   ("file_format", admin.RelatedOnlyFieldListFilter), ("created_at", admin.DateFieldListFilter))
    search_fields = ("original_name", "biller__name", "biller__slug", "=sha256")
    search_help_text = "File name, biller name or slug, SHA-256, or an account number the file contains."
    date_hierarchy = "created_at"
    list_select_related = ("biller", "file_format", "uploaded_by")
    list_per_page = 50
    inlines = [LoadEventInline]
    fieldsets = [
        (None, {"fields": ("biller", "file_format", "status", "failure")}),
        ("File", {"fields": ("original_name", "size", "sha256", "encoding", "duplicate_of", "allow_duplicate")}),
        ("Who and when", {"fields": ("uploaded_by_name", "created_at_local", "approved_by_name", "approved_at_local",
                                     "errors_acknowledged", "rejection_reason", "loaded_at_local")}),
    ]
    readonly_fields = ("uploaded_by_name", "approved_by_name", "created_at_local", "approved_at_local",
                       "loaded_at_local")
    created_at_local = biller_time("created_at", "uploaded at (biller's time)")
    approved_at_local = biller_time("approved_at", "approved at (biller's time)")
    loaded_at_local = biller_time("loaded_at", "loaded at (biller's time)")
    uploaded_by_name = username("uploaded_by", "uploaded by",
                                empty="- (the system: the watched inbox, or manage.py ingest without --user)")
    approved_by_name = username("approved_by", "approved by")

    def has_add_permission(self, request):
        return False          # uploads go through the upload page (ingest.add_load)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_urls(self):
        def wrap(view, **bound):
            def inner(request, *args, **kwargs):
                return view(self, request, *args, **bound, **kwargs)
            return self.admin_site.admin_view(inner)

        urls = [
            path("upload/", wrap(views.upload_view), name="ingest_load_upload"),
            path("<path:object_id>/approve/", wrap(views.approve_view), name="ingest_load_approve"),
            path("<path:object_id>/reject/", wrap(views.reject_view), name="ingest_load_reject"),
            path("<path:object_id>/retry/", wrap(views.retry_view), name="ingest_load_retry"),
            path("<path:object_id>/reparse/", wrap(views.reparse_view), name="ingest_load_reparse"),
        ] + [path(f"<path:object_id>/download/{what}/", wrap(downloads.download_view, what=what),
                  name=f"ingest_load_download_{what}") for what in ("errors", "ic", "original")]
        return urls + super().get_urls()

    def get_search_results(self, request, queryset, search_term):
        """Also the loads whose file holds an account with exactly that number."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term and len(term) <= 60 and term.isprintable():  # PostgreSQL refuses NUL in a text value
            holding = StagedRecord.objects.filter(account_number=term).values("load_id")
            found = found | queryset.filter(pk__in=holding)
        return found, may_have_duplicates

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": request.user.has_perm("ingest.add_load"),
                         "upload_url": reverse("admin:ingest_load_upload")}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        load = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if load is not None and self.has_view_permission(request, load):
            extra_context["waiting_problem"] = queue_problem(load)
            extra_context.update(preview_context(load, request.GET))
            extra_context.update(self.workflow_links(request, load))
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        """The load's history is its events (the lifecycle writes no admin log entries)."""
        load = self.get_object(request, object_id)
        events = list(load.events.select_related("user").order_by("at", "pk")) if load else []
        return super().history_view(request, object_id, {**(extra_context or {}), "events": events,
                                                          "zone": load.biller.zone if load else None})

    def workflow_links(self, request, load):
        user, status = request.user, load.status
        may_approve = user.has_perm("ingest.approve_load")
        four_eyes = load.biller.requires_second_approver and load.uploaded_by_id == user.pk
        links = []
        empty = pipeline.nothing_to_load(load) if status == LoadStatus.PARSED else None
        if status == LoadStatus.PARSED and may_approve and not four_eyes and not empty:
            links.append(("approve", "Approve"))
        if status == LoadStatus.PARSED and may_approve:
            links.append(("reject", "Reject"))
        if pipeline.can_retry(load) and user.has_perm(
                "ingest.add_load" if status in pipeline.RETRY_PARSE else "ingest.approve_load"):
            links.append(("retry", "Retry"))
        if status in (LoadStatus.PARSED, LoadStatus.LOAD_FAILED) and user.has_perm("ingest.add_load"):
            links.append(("reparse", "Re-parse"))
        primary = "approve" if status == LoadStatus.PARSED else "retry"
        return {
            "workflow_links": [(reverse(f"admin:ingest_load_{name}", args=[load.pk]), label, name == primary)
                               for name, label in links],
            "download_links": [(reverse(f"admin:ingest_load_download_{what}", args=[load.pk]), label)
                               for what, label in (("errors", "Error report (CSV)"), ("ic", "IC standard file"),
                                                   ("original", "Original file"))],
            "four_eyes_blocked": status == LoadStatus.PARSED and may_approve and four_eyes,
            "nothing_to_load": empty,
        }
