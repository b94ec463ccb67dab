"""Admin of the watched inbox's files (read-only: auditors read them too) and of the alerts
(read-only, with the permission-checked "acknowledge" action)."""
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from icportal.admin_helpers import ReadOnlyMixin, biller_time, username
from operations import alerts
from operations.models import Alert, InboxFile


@admin.register(InboxFile)
class InboxFileAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["received_at_local", "biller", "name", "outcome", "file_format", "load_link", "note", "moved_to"]
    list_filter = ["outcome", "biller", "file_format"]
    search_fields = ["name", "sha256", "note"]
    list_select_related = ["biller", "file_format", "load"]
    fields = ["biller", "name", "sha256", "size", "outcome", "file_format", "load_link", "note", "moved_to",
              "received_at_local"]
    readonly_fields = fields
    received_at_local = biller_time("received_at", "received")

    @admin.display(description="load")
    def load_link(self, obj):
        if obj.load_id is None:
            return "-"
        return format_html('<a href="{}">load {}</a>', reverse("admin:ingest_load_change", args=[obj.load_id]),
                           obj.load_id)


@admin.register(Alert)
class AlertAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["first_seen", "kind", "biller", "subject", "emailed_to", "acknowledged"]
    list_filter = ["kind", "biller", ("acknowledged_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "detail", "key"]
    list_select_related = ["biller", "acknowledged_by"]
    fields = ["kind", "biller", "subject", "detail", "key", "first_seen", "emailed_to", "emailed_at",
              "acknowledged_by_name", "acknowledged_at"]
    readonly_fields = fields
    actions = ["acknowledge"]
    acknowledged_by_name = username("acknowledged_by", "acknowledged by")

    @admin.display(description="acknowledged")
    def acknowledged(self, obj):
        if obj.acknowledged_at is None:
            return "-"
        return f"{obj.acknowledged_by.username if obj.acknowledged_by else '-'} {obj.acknowledged_at:%Y-%m-%d %H:%M}"

    def has_acknowledge_permission(self, request):
        return request.user.has_perm("operations.acknowledge_alert")

    @admin.action(description="Acknowledge the selected alerts", permissions=["acknowledge"])
    def acknowledge(self, request, queryset):
        done = sum(alerts.acknowledge(alert, request.user) for alert in queryset)
        messages.success(request, f"{done} alert(s) acknowledged.")
