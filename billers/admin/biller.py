"""Admin for billers and everything implementation managers configure per biller."""
from django.contrib import admin, messages
from django.db.models import Count
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from billers.admin.forms import BifFormSet, BillerFileFormatForm, BillerSettingForm
from billers.admin.history import configuration_history_page
from billers.models import AdvancedSetting, BifCustomization, BifFeature, Biller, BillerFileFormat, BillerSetting
from billers.models.bif import apply_template, template_rows
from desk.hub import hub_page
from icportal.admin_helpers import viewable_object


class UnusedKeysMixin:
    @admin.display(description="keys not used by the portal")
    def keys_not_used(self, obj):
        keys = obj.unused_keys if obj and obj.pk else []
        return ", ".join(keys) if keys else "-"


class BillerSettingInline(UnusedKeysMixin, admin.TabularInline):
    model = BillerSetting
    form = BillerSettingForm
    extra = 0
    autocomplete_fields = ["setting"]
    fields = ["setting", "value", "keys_not_used"]
    readonly_fields = ["keys_not_used"]


class BifInline(admin.TabularInline):
    model = BifCustomization
    formset = BifFormSet
    extra = 0
    fields = ["feature", "source", "value", "rule"]
    ordering = ["feature__name"]
    verbose_name_plural = "BIF customizations (a new biller starts with its integration's table)"

    def get_extra(self, request, obj=None, **kwargs):
        integration = request.GET.get("integration")
        return len(template_rows(Biller(integration=integration))) if obj is None and integration else 0


class BillerFileFormatInline(admin.TabularInline):
    model = BillerFileFormat
    form = BillerFileFormatForm
    extra = 0
    verbose_name_plural = "file formats"


@admin.register(Biller)
class BillerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "integration", "time_zone", "active", "requires_second_approver",
                    "export_run_time", "formats_enabled", "accounts_link"]
    list_filter = ["integration", "active", "requires_second_approver", "time_zone"]
    search_fields = ["name", "slug", "guid"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["guid", "configuration_history_link", "technical_design_link"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "guid", "integration", "active"]}),
        ("Operations", {"fields": ["time_zone", "export_run_time", "requires_second_approver", "alert_contacts"]}),
        ("Partner API", {"fields": ["customer_portal_url", "demo"]}),
        ("History and design", {"fields": ["configuration_history_link", "technical_design_link"]}),
    ]
    inlines = [BillerSettingInline, BifInline, BillerFileFormatInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _formats=Count("file_formats", distinct=True))

    @admin.display(description="formats", ordering="_formats")
    def formats_enabled(self, obj):
        return obj._formats

    @admin.display(description="accounts")
    def accounts_link(self, obj):
        url = reverse("admin:ledger_account_changelist") + f"?biller__id__exact={obj.pk}"
        return format_html('<a href="{}">accounts</a>', url)

    @admin.display(description="configuration history")
    def configuration_history_link(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:billers_biller_configuration_history", args=[obj.pk])
        return format_html('<a href="{}">Settings, BIF and format changes: who and when</a>', url)

    @admin.display(description="technical design")
    def technical_design_link(self, obj):
        if obj.pk is None:
            return "-"
        try:
            url = reverse("technical_design", args=[obj.pk])
        except NoReverseMatch:  # the design app is not installed
            return "-"
        return format_html('<a href="{}">Technical design, generated from this configuration</a>', url)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """On the add page with ?integration=..., the BIF inline starts with that template."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, BifInline) and obj.pk is None and request.method == "GET":
            integration = request.GET.get("integration")
            if integration:
                rows = template_rows(Biller(integration=integration))
                kwargs["initial"] = [{"feature": r.feature.pk, "source": r.source, "value": r.value,
                                      "rule": r.rule} for r in rows]
        return kwargs

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        added = apply_template(form.instance)
        if added:
            messages.info(request, f"BIF table of {form.instance.get_integration_display()} added: "
                                   + ", ".join(r.feature.name for r in added))

    def get_urls(self):
        return [
            path("<int:object_id>/configuration-history/", self.admin_site.admin_view(self.configuration_history_view),
                 name="billers_biller_configuration_history"),
            path("<int:object_id>/hub/", self.admin_site.admin_view(self.hub_view), name="billers_biller_hub"),
        ] + super().get_urls()

    def configuration_history_view(self, request, object_id):
        return configuration_history_page(self, request, viewable_object(self, request, object_id))

    def hub_view(self, request, object_id):
        return hub_page(self, request, viewable_object(self, request, object_id))


@admin.register(AdvancedSetting)
class AdvancedSettingAdmin(SimpleHistoryAdmin):
    list_display = ["setting_id", "description", "value_type", "default_value", "unique_per_biller"]
    list_filter = ["value_type"]
    search_fields = ["setting_id", "description", "details"]


@admin.register(BillerSetting)
class BillerSettingAdmin(UnusedKeysMixin, SimpleHistoryAdmin):
    form = BillerSettingForm
    list_display = ["biller", "setting", "short_value", "keys_not_used"]
    readonly_fields = ["keys_not_used"]
    list_filter = ["setting", "biller"]
    search_fields = ["biller__name", "biller__slug", "value"]
    list_select_related = ["biller", "setting"]

    def get_fields(self, request, obj=None):
        return ["biller", "setting", "value", "keys_not_used"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.unused_keys:
            messages.info(request, "Kept as written, not used by the portal: " + ", ".join(obj.unused_keys))

    @admin.display(description="value")
    def short_value(self, obj):
        return obj.value if len(obj.value) < 80 else obj.value[:77] + "..."


@admin.register(BifFeature)
class BifFeatureAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "value_kind", "accepts_rule"]
    list_filter = ["value_kind", "accepts_rule"]
    search_fields = ["name", "description"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BifCustomization)
class BifCustomizationAdmin(SimpleHistoryAdmin):
    list_display = ["biller", "feature", "source", "value", "rule"]
    list_filter = ["source", "biller", "feature"]
    search_fields = ["biller__name", "feature__name", "value", "rule"]
    list_select_related = ["biller", "feature"]


@admin.register(BillerFileFormat)
class BillerFileFormatAdmin(SimpleHistoryAdmin):
    form = BillerFileFormatForm
    list_display = ["biller", "file_format", "enabled", "invoice_type_id", "invoice_format_guid", "options"]
    list_filter = ["enabled", "file_format__direction", "file_format", "biller"]
    search_fields = ["biller__name", "file_format__code"]
    list_select_related = ["biller", "file_format"]

    def get_fields(self, request, obj=None):
        return ["biller"] + BillerFileFormatForm.Meta.fields
