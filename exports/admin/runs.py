"""Export runs in the admin: history (nobody edits or deletes it), "Run outbound files"
(support: the run_export permission, POST), and file downloads (view permission), each
view checking its permission explicitly (admin_view checks only is_staff)."""
import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from billers.models import BillerFileFormat, Direction
from exports.models import ExportFile, ExportRun, RunStatus
from exports.queued import queue_run, run_problem
from exports.runs import ExportRefused
from icportal.admin_helpers import ReadOnlyMixin, biller_time, username


class RunForm(forms.Form):
    target = forms.ModelChoiceField(
        label="Biller and format", queryset=BillerFileFormat.objects.none(),
        help_text="The biller's enabled outbound formats.")
    business_date = forms.DateField(help_text="YYYY-MM-DD, the batch close in the biller's time zone.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (BillerFileFormat.objects.select_related("biller", "file_format")
                                          .filter(enabled=True, file_format__retired=False, file_format__direction=Direction.OUTBOUND)
                                          .order_by("biller__name", "file_format__code"))
        self.fields["business_date"].initial = timezone.now().date() - datetime.timedelta(days=1)


def run_message(run):
    """(level, text) of the message after "Run": the outcome if the run is done already."""
    if run.status == RunStatus.SUCCEEDED:
        return messages.SUCCESS, f"Run #{run.pk} carried {run.record_count} record(s) into {run.files.count()} file(s)."
    if run.status == RunStatus.FAILED:
        return messages.ERROR, f"Run #{run.pk} failed: {run.failure}"
    return messages.INFO, f"Run #{run.pk} is queued for the workers; this page shows how it goes."


class ExportFileInline(ReadOnlyMixin, admin.TabularInline):
    model = ExportFile
    fields = ["download", "row_count", "total_amount", "size", "sha256"]
    readonly_fields = fields
    extra = 0

    @admin.display(description="file")
    def download(self, export_file):
        return format_html('<a href="{}">{}</a>', download_url(export_file), export_file.name)


def download_url(export_file):
    return reverse("admin:exports_exportfile_download", args=[export_file.pk])


@admin.register(ExportRun)
class ExportRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Runs are made by "Run outbound files", the command or the schedule; nobody adds,
    edits or deletes them here (ReadOnlyMixin)."""

    list_display = ["id", "biller", "file_format", "business_date", "status", "record_count",
                    "created_at_local", "file_links", "failure_message"]
    list_filter = ["biller", "file_format", "status", "trigger", "business_date"]
    search_fields = ["biller__name", "biller__slug", "file_format__code", "files__name"]
    date_hierarchy = "business_date"
    list_select_related = ["biller", "file_format", "triggered_by"]
    fields = ["id", "biller", "file_format", "business_date", "status", "failure", "record_count", "options",
              "trigger", "triggered_by_name", "schedule_name", "created_at_local"]
    readonly_fields = fields
    created_at_local = biller_time("created_at", "created (biller's time; file names use it)")
    triggered_by_name = username("triggered_by", "triggered by")
    inlines = [ExportFileInline]
    change_list_template = "admin/exports/exportrun/change_list.html"
    change_form_template = "admin/exports/exportrun/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("files")

    @admin.display(description="files")
    def file_links(self, run):
        return format_html_join(", ", '<a href="{}">{}</a>', ((download_url(f), f.name) for f in run.files.all()))

    @admin.display(description="failure")
    def failure_message(self, run):
        return run.failure[:200]

    def has_run_permission(self, request):
        return request.user.has_perm("exports.run_export")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_run_permission": self.has_run_permission(request)}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if run is not None and self.has_view_permission(request, run):
            extra_context["waiting_problem"] = run_problem(run)
            extra_context["in_progress"] = run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path("run/", self.admin_site.admin_view(self.run_view), name="exports_exportrun_run"),
            path("download/<int:file_id>/", self.admin_site.admin_view(self.download_view),
                 name="exports_exportfile_download"),
        ] + super().get_urls()

    def run_view(self, request):
        if not self.has_run_permission(request):
            raise PermissionDenied
        form = RunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            target = form.cleaned_data["target"]
            try:
                run = queue_run(target.biller, target.file_format.code, form.cleaned_data["business_date"],
                                request.user)
            except ExportRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.add_message(request, *run_message(run))
                return HttpResponseRedirect(reverse("admin:exports_exportrun_change", args=[run.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.opts, "form": form,
                   "title": "Run outbound files"}
        return TemplateResponse(request, "admin/exports/exportrun/run.html", context)

    def download_view(self, request, file_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        export_file = get_object_or_404(ExportFile.objects.select_related("run"), pk=file_id)
        if export_file.run.status != RunStatus.SUCCEEDED:
            raise Http404("no such file")
        try:
            handle = export_file.file.open("rb")
        except FileNotFoundError:
            raise Http404("the stored file is missing") from None
        return FileResponse(handle, as_attachment=True, filename=export_file.name,
                            content_type="application/octet-stream")
