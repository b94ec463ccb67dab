"""Partner API keys (created and revoked by implementation managers; the key is shown once)
and the call log (read-only, filterable to troubleshoot a partner)."""
from django.contrib import admin, messages

from api.keys import create_key, revoke_key
from api.models import ApiCall, ApiKey
from icportal.admin_helpers import ReadOnlyMixin, username


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "biller", "name", "requests_per_minute", "created_at", "created_by_name",
                    "revoked_at", "revoked_by_name"]
    list_filter = ["biller", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "biller__slug", "biller__name"]
    list_select_related = ["biller", "created_by", "revoked_by"]
    fields = ["biller", "name", "requests_per_minute"]
    actions = ["revoke_selected"]
    created_by_name = username("created_by", "created by")
    revoked_by_name = username("revoked_by", "revoked by")

    def get_readonly_fields(self, request, obj=None):
        return ["biller", "name", "requests_per_minute"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return request.user.has_perm("api.revoke_apikey")

    def save_model(self, request, obj, form, change):
        row, key = create_key(obj.biller, obj.name, request.user, requests_per_minute=obj.requests_per_minute)
        obj.pk, obj.prefix, obj.digest = row.pk, row.prefix, row.digest
        messages.warning(request, f"The new key for {row.biller.slug}, shown only now (only its hash is "
                                  f"stored): {key}")

    @admin.action(description="Revoke the selected keys", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        for key in queryset:
            revoke_key(key, request.user)
        messages.success(request, f"{queryset.count()} key(s) revoked; calls with them are answered 401.")


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "operation", "biller_slug", "key", "status", "latency_ms"]
    list_filter = ["biller", "operation", "status", "key"]
    search_fields = ["operation", "biller_slug", "request", "response", "key__prefix"]
    date_hierarchy = "at"
    list_select_related = ["key__biller"]
    fields = ["at", "operation", "biller", "biller_slug", "key", "status", "latency_ms", "request", "response"]
    show_full_result_count = False
