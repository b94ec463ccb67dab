"""Admin of the auto-approval rules and expected files (configuration: implementation
managers add and change them; every role reads them, with their history)."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from billers.models import AutoApprovalRule, ExpectedFile


class InboundFormatMixin:
    list_select_related = ["biller", "file_format"]
    list_filter = ["enabled", "biller"]
    search_fields = ["biller__name", "biller__slug", "file_format__code"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "file_format":
            kwargs["queryset"] = db_field.related_model.objects.filter(direction="inbound", retired=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AutoApprovalRule)
class AutoApprovalRuleAdmin(InboundFormatMixin, SimpleHistoryAdmin):
    list_display = ["biller", "file_format", "enabled", "max_error_records", "count_tolerance_pct",
                    "total_tolerance_pct", "approve_four_eyes"]
    fields = ["biller", "file_format", "enabled", "max_error_records", "count_tolerance_pct",
              "total_tolerance_pct", "approve_four_eyes"]


@admin.register(ExpectedFile)
class ExpectedFileAdmin(InboundFormatMixin, SimpleHistoryAdmin):
    list_display = ["biller", "file_format", "enabled", "cadence", "due_time", "day_of_month", "grace_minutes",
                    "approval_wait_minutes"]
    fields = ["biller", "file_format", "enabled", "cadence", "due_time", "day_of_month", "grace_minutes",
              "approval_wait_minutes"]
