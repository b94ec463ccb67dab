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
from ingest.actions import LoadAction, allowed_actions, may_upload, nothing_to_load
from ingest.admin.preview import preview_context
from ingest.admin.resources import LoadResource
from ingest.admin.views import LoadWorkflowViews
from ingest.lifecycle import FourEyesRefused, PermissionRefused, StateRefused
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


# The load page's buttons: (action, label); "download" has its own links.
BUTTONS = [(LoadAction.APPROVE, "Approve"), (LoadAction.REJECT, "Reject"), (LoadAction.RETRY, "Retry"),
           (LoadAction.REPARSE, "Re-parse"), (LoadAction.REVERSE, "Reverse"),
           (LoadAction.CANCEL_REVERSAL, "Cancel reversal")]


class LoadAdmin(LoadWorkflowViews, ReadOnlyMixin, ExportFiltersMixin, ExportMixin, admin.ModelAdmin):
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
        ("Reversal", {"fields": ("reversal_reason", "reversal_requested_by_name", "reversal_requested_at_local",
                                 "reversal_confirmed_by_name", "reversal_confirmed_at_local", "reversed_at_local")}),
    ]
    readonly_fields = ("uploaded_by_name", "approved_by_name", "created_at_local", "approved_at_local",
                       "loaded_at_local", "reversal_requested_by_name", "reversal_requested_at_local",
                       "reversal_confirmed_by_name", "reversal_confirmed_at_local", "reversed_at_local")
    created_at_local = biller_time("created_at", "uploaded at (biller's time)")
    approved_at_local = biller_time("approved_at", "approved at (biller's time)")
    loaded_at_local = biller_time("loaded_at", "loaded at (biller's time)")
    uploaded_by_name = username("uploaded_by", "uploaded by",
                                empty="- (the system: the watched inbox, or manage.py ingest without --user)")
    approved_by_name = username("approved_by", "approved by")
    reversal_requested_at_local = biller_time("reversal_requested_at", "reversal requested at (biller's time)")
    reversal_confirmed_at_local = biller_time("reversal_confirmed_at", "reversal confirmed at (biller's time)")
    reversed_at_local = biller_time("reversed_at", "reversed at (biller's time)")
    reversal_requested_by_name = username("reversal_requested_by", "reversal requested by")
    reversal_confirmed_by_name = username("reversal_confirmed_by", "reversal confirmed by")

    # Loads change only through the lifecycle: ReadOnlyMixin refuses add (uploads go through the
    # upload page, ingest.add_load), change and delete.

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("upload/", view(self.upload_view), name="ingest_load_upload"),
            path("<path:object_id>/approve/", view(self.approve_view), name="ingest_load_approve"),
            path("<path:object_id>/reject/", view(self.reject_view), name="ingest_load_reject"),
            path("<path:object_id>/retry/", view(self.retry_view), name="ingest_load_retry"),
            path("<path:object_id>/reparse/", view(self.reparse_view), name="ingest_load_reparse"),
            path("<path:object_id>/reverse/", view(self.reverse_view), name="ingest_load_reverse"),
            path("<path:object_id>/cancel-reversal/", view(self.cancel_reversal_view),
                 name="ingest_load_cancel_reversal"),
        ] + [path(f"<path:object_id>/download/{what}/", view(self.download_view), {"what": what},
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
        extra_context = {**(extra_context or {}), "can_upload": bool(may_upload(request.user)),
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
        """The buttons the rule function (ingest.actions) allows, and, disabled with the reason
        as their title, those it refuses for this load (four eyes, nothing to load, accounts
        changed since): a refusal for the load's status or the user's role shows no button."""
        decisions = allowed_actions(request.user, load)
        status = load.status
        links, disabled = [], []
        for action, label in BUTTONS:
            if action == LoadAction.REVERSE and status == LoadStatus.REVERSAL_REQUESTED:
                label = "Confirm reversal"
            decision = decisions[action]
            if decision:
                links.append((action.value, label))
            elif decision.refusal not in (StateRefused, PermissionRefused):
                disabled.append((label, decision.reason))
        primary = {LoadStatus.PARSED: "approve", LoadStatus.REVERSAL_REQUESTED: "reverse"}.get(status, "retry")
        approve = decisions[LoadAction.APPROVE]
        return {
            "workflow_links": [(reverse(f"admin:ingest_load_{name}", args=[load.pk]), label, name == primary)
                               for name, label in links],
            "disabled_actions": disabled,
            "download_links": [(reverse(f"admin:ingest_load_download_{what}", args=[load.pk]), label)
                               for what, label in (("errors", "Error report (CSV)"), ("ic", "IC standard file"),
                                                   ("original", "Original file"))],
            "four_eyes_blocked": not approve and approve.refusal is FourEyesRefused,
            "nothing_to_load": nothing_to_load(load) if status == LoadStatus.PARSED else None,
        }
